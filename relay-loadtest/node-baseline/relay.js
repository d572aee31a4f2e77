// The baseline: a naive relay like the seed project's. Every binary message from any client is sent to
// every other open client, as is: no init segment for late joiners, no per-viewer bound, one global stream.
// Usage: node relay.js --port N [--host 127.0.0.1]
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const args = process.argv.slice(2);
function arg(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const port = Number(arg('--port', process.env.PORT || 3000));
const host = arg('--host', '127.0.0.1');

const wss = new WebSocketServer({ host, port, perMessageDeflate: false, maxPayload: 16 << 20 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    for (const client of wss.clients) {
      if (client !== ws && client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: true });
      }
    }
  });
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`naive ws relay listening on ${host}:${port}`));
process.on('SIGTERM', () => { wss.close(); process.exit(0); });
