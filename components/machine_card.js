// One machine card of the overview, drawn from one `card` prop (see machine_card.py).
// NiceGUI re-renders every element of a page on every update message; `v-memo` keeps this card's inner tree
// as it was unless the shown card changed, so an update of one card costs the other cards nothing.
// A change's card also arrives once for every screen through the machine's socket.io room ("ctp_card", see
// components/card_rooms.py): the card shows the newer (by `seq`) of that and its prop. Its place on the board and
// whether the status filter shows it come from the newest view of the screen's scope (board_live.js), which the
// scope's room updates once for all its screens.
import { live, shows } from "board_live";

export default {
  template: `
    <div v-show="visible" class="q-card nicegui-card" :class="shown.cls" :style="place">
      <a v-memo="[shown]" :href="prefixed(shown.href)" class="ctp-card-link">
        <div class="ctp-icon ctp-status text-2xl font-black tracking-wide" :data-icon="shown.icon">{{ shown.word }}</div>
        <div class="text-lg font-bold leading-tight">{{ shown.name }}</div>
        <div v-for="line in shown.lines" :key="line[0]" :class="line[2]">{{ line[1] }}</div>
      </a>
      <a v-if="report" :href="prefixed(report.href)" :class="report.cls" data-icon="report">{{ report.label }}</a>
      <slot></slot>
    </div>`,
  props: {
    card: Object,
    report: Object,
  },
  data() {
    return { live: null };
  },
  computed: {
    shown() {
      return this.live && this.live.seq > this.card.seq ? this.live : this.card;
    },
    place() {
      const index = live.view ? live.view.order.indexOf(this.card.id) : -1;
      return index < 0 ? null : { order: index };
    },
    visible() {
      return shows(this.card.id, this.shown.status);
    },
  },
  mounted() {
    this.onCard = (message) => {
      if (message && message.id === this.card.id) this.live = message.card;
    };
    // the page's first cards mount before NiceGUI's app creates window.socket
    const attach = () => {
      if (this.detached) return;
      if (window.socket) window.socket.on("ctp_card", this.onCard);
      else this.retry = setTimeout(attach, 20);
    };
    attach();
  },
  unmounted() {
    this.detached = true;
    clearTimeout(this.retry);
    if (window.socket) window.socket.off("ctp_card", this.onCard);
  },
  methods: {
    prefixed(path) {
      return (window.path_prefix || "") + path;
    },
  },
};
