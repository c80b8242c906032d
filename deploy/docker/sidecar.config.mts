// Config baked into the container image. Mount your own at
// /etc/outrigger/sidecar.config.mts (a Kubernetes ConfigMap) to replace it;
// edits to a mounted file are picked up by the watcher (reload.watch).
// The .mts extension makes it an ES module wherever it lives.
export default {
  logLevel: 'info',
  runDir: '/run/outrigger',
  shutdown: { graceMs: 25_000 },
  listeners: {
    // PHP in the same pod reaches the sidecar over loopback or the shared socket directory.
    ipc: { unix: { path: '/run/outrigger/ipc.sock', mode: 0o660 }, tcp: { host: '127.0.0.1', port: 6002 } },
    goridge: { tcp: { host: '127.0.0.1', port: 6001 } },
    isp: { enabled: false },
  },
  // Probes come from the kubelet and scrapes from Prometheus over the pod IP, so bind all interfaces.
  metrics: { http: { host: '0.0.0.0', port: 9464 } },
  actors: {},
};
