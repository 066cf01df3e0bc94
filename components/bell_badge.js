// The bell's unread badge (notification_bell.py): its `bell` prop or the newer (by `seq`) message of its user's
// socket.io room ("ctp_bell", components/bell_rooms.py). A room message also toasts what arrived since this screen
// last looked (at most three, newest last) and, while the tab is hidden, shows a browser notification.
export default {
  template: `<q-badge v-show="shown.unread > 0" floating color="red-8">{{ shown.text }}</q-badge>`,
  props: {
    bell: Object,
  },
  data() {
    return { sent: null, seen: 0 };
  },
  computed: {
    shown() {
      return this.sent && this.sent.seq > this.bell.seq ? this.sent : this.bell;
    },
  },
  watch: {
    "bell.newest": {
      handler(newest) {
        this.seen = Math.max(this.seen, newest);
      },
      immediate: true,
    },
  },
  mounted() {
    this.listen();
  },
  unmounted() {
    clearTimeout(this.waiting);
    if (window.socket) window.socket.off("ctp_bell", this.receive);
  },
  methods: {
    listen() {
      if (window.socket) window.socket.on("ctp_bell", this.receive);
      else this.waiting = setTimeout(this.listen, 20);
    },
    receive(message) {
      if (message.seq <= this.shown.seq) return;
      this.sent = message;
      const fresh = message.items.filter((item) => item.id > this.seen && !item.read);
      this.seen = Math.max(this.seen, ...message.items.map((item) => item.id));
      for (const item of fresh.slice(0, 3).reverse()) {
        Quasar.Notify.create({ message: item.message, type: item.type, position: "bottom-right", timeout: 6000, group: false });
      }
      if (fresh.length && window.ctpBrowserNotify) {
        window.ctpBrowserNotify(message.notices[fresh.length - 1]);
      }
    },
  },
};
