// One machine's tile on the wall board (components/wall.py, payload: wall_data.tile_payload): status and machine; for
// an open problem the counter (it ticks in the browser: wall_assets.py), who has it or the alarm, and the cause. Drawn
// from its `tile` prop or the newer tile of its machine in the walls' room message (wall_live.js).
import { wall, newer, listen } from "wall_live";

// small, in the head row: it wraps (two small lines in the row's height) before the status word shrinks
const DUE = "margin-left: auto; font-size: calc(var(--u) * 1.1 * var(--s)); flex: 0 1 auto; min-width: 0; " +
  "white-space: normal; line-height: 1.1; text-align: center";

export default {
  template: `
    <div :class="shown.cls" :style="{ background: shown.bg }">
      <div class="nicegui-row row ctp-tile-head">
        <q-icon :name="shown.icon" class="ctp-tile-icon" />
        <div class="ctp-tile-word">{{ shown.word }}</div>
        <div v-if="shown.due" class="ctp-badge" :style="due">{{ shown.due }}</div>
      </div>
      <div class="ctp-tile-name">{{ shown.name }}</div>
      <template v-if="problem">
        <div v-if="problem.since" class="ctp-counter" :data-since="problem.since">{{ problem.counter }}</div>
        <div class="nicegui-row row ctp-tile-who">
          <div :class="problem.alert ? 'ctp-badge ctp-badge-alert' : 'ctp-who'">{{ problem.who }}</div>
          <div v-if="problem.vendor" class="ctp-badge">{{ problem.vendor }}</div>
        </div>
        <div class="ctp-tile-cause">{{ problem.cause }}</div>
      </template>
    </div>`,
  props: {
    tile: Object,
  },
  data() {
    return { due: DUE };
  },
  computed: {
    shown() {
      return newer(wall.tiles[this.tile.id], this.tile);
    },
    problem() {
      return this.shown.problem;
    },
  },
  mounted() {
    listen();
  },
};
