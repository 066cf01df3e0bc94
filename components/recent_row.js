// One row of the overview's recent problems, drawn from one `row` prop (see recent_list.py); a link to the problem,
// in a list item (the list's role requires its children to be items).
// `v-memo` keeps the row's tree as it was unless its `row` changed (NiceGUI re-renders the whole page per update).
export default {
  template: `
    <div v-memo="[row]" role="listitem" class="q-item-type"><a :href="prefixed(href)" class="ctp-recent-row">
      <div class="font-bold text-sm break-words">{{ row.title }}</div>
      <div :class="'q-badge flex inline items-center no-wrap q-badge--single-line text-sm px-2 py-1 justify-self-end bg-' + row.colour">{{ row.badge }}</div>
      <div class="text-xs text-gray-600 line-clamp-2 break-words">{{ row.description }}</div>
      <div class="text-xs text-gray-600 text-right whitespace-nowrap">{{ row.when }}</div>
    </a></div>`,
  props: {
    href: String,
    row: Object,
  },
  methods: {
    prefixed(path) {
      return (window.path_prefix || "") + path;
    },
  },
};
