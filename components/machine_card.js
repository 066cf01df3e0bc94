// One machine card of the overview, drawn from one `card` prop (see machine_card.py).
// NiceGUI re-renders every element of a page on every update message; `v-memo` keeps this card's inner tree
// as it was unless the shown card changed, so an update of one card costs the other cards nothing.
// A change's card also arrives once for every screen through the machine's socket.io room ("ctp_card",
// components/card_rooms.py), kept by machine in board_live.js: the card shows the newer (by `seq`) of that and its
// prop. Its place on the board and whether the status filter shows it come from its scope's board message.
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
  computed: {
    shown() {
      const sent = live.cards[this.card.id];
      return sent && sent.seq > this.card.seq ? sent : this.card;
    },
    place() {
      const index = live.place[this.card.id];
      return index === undefined ? null : { order: index };
    },
    visible() {
      return shows(this.card.id, this.shown.status);
    },
  },
  methods: {
    prefixed(path) {
      return (window.path_prefix || "") + path;
    },
  },
};
