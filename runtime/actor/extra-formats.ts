// Body formats beyond JSON/msgpack/raw, registered by side-effect imports.
// Imported by every worker thread (worker-main.ts) and by the main thread
// (protocol sessions), so a request in any of these formats decodes wherever
// it is handled. A protocol that adds a format adds one import here.
import '../codec/gob-body.ts';
