// A hello worker for the node-20 stack. Dockhand hands the task its payload in the file named by
// PAYLOAD_FILE; whatever JSON it writes to RESULT_FILE becomes the task's result; stdout is its log.
//   dockhand run examples/hello-node --stack node-20 --payload '{"name":"you"}'
const fs = require('node:fs');

function readPayload() {
  try {
    const text = fs.readFileSync(process.env.PAYLOAD_FILE, 'utf8');
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return {}; // no payload, or plain text: greet the world
  }
}

const name = readPayload().name ?? 'world';
const greeting = `Hello, ${name}!`;
console.log(greeting);
console.log(`node ${process.version}`);
fs.writeFileSync(process.env.RESULT_FILE, JSON.stringify({ greeting }));
