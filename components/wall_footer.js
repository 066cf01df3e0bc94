// The wall board's footer (components/wall.py, payload: wall_data.footer_payload): today's downtime and the week's
// top causes, each list's title sharing an unbreakable lead with its first item (so it never shows alone; items that
// do not fit wrap onto a hidden line, whole), the page counter and the update time. Drawn from its `footer` prop or
// the newer footer of the walls' room message (wall_live.js); the page counter is the wall's own (`page`).
import { wall, newer, listen } from "wall_live";

export default {
  template: `
    <div class="ctp-wall-footer">
      <div v-for="(list, index) in shown.lists" :key="index" class="ctp-footer-list">
        <span class="ctp-footer-lead"><div class="ctp-footer-title">{{ list[0] }}</div><div>{{ list[1][0] }}</div></span>
        <div v-for="(line, at) in list[1].slice(1)" :key="at">{{ line }}</div>
      </div>
      <div v-show="page" class="ctp-footer-fixed">{{ page }}</div>
      <div class="ctp-footer-fixed">{{ shown.updated }}</div>
    </div>`,
  props: {
    footer: Object,
    page: String,
  },
  computed: {
    shown() {
      return newer(wall.footer, this.footer);
    },
  },
  mounted() {
    listen();
  },
};
