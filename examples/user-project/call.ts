// call.ts: the greeter over binary IPC and over Goridge RPC
import { GoridgeClient, IpcClient, OutriggerError } from 'outrigger';

const ipc = new IpcClient({ path: './run/ipc.sock' });
console.log(await ipc.call('greeter.hello', { name: 'ipc' })); // hello ipc
try {
  await ipc.call('greeter.hello', {});
} catch (err) {
  if (err instanceof OutriggerError) console.log(err.code, err.data); // INVALID_PARAMS { field: 'name' }
}
ipc.close();

const goridge = new GoridgeClient({ address: 'unix://./run/goridge.sock' });
const reply = await goridge.call('Greeter.Hello', Buffer.from(JSON.stringify({ name: 'goridge' })));
console.log(JSON.parse(reply.body.toString())); // hello goridge
goridge.close();
