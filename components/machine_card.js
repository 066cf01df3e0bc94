// One machine card of the overview, drawn from one `card` prop (see machine_card.py).
// NiceGUI re-renders every element of a page on every update message; `v-memo` keeps this card's inner tree
// as it was unless its own `card` changed, so an update of one card costs the other cards nothing.
export default {
  template: `
    <div class="q-card nicegui-card">
      <a v-memo="[card]" :href="prefixed(card.href)" class="ctp-card-link">
        <div class="ctp-icon ctp-status text-2xl font-black tracking-wide" :data-icon="card.icon">{{ card.word }}</div>
        <div class="text-lg font-bold leading-tight">{{ card.name }}</div>
        <div v-for="line in card.lines" :key="line[0]" :class="line[2]">{{ line[1] }}</div>
      </a>
      <slot></slot>
    </div>`,
  props: {
    card: Object,
  },
  methods: {
    prefixed(path) {
      return (window.path_prefix || "") + path;
    },
  },
};
