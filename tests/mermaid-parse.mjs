// Parses each Mermaid file named on the command line with mermaid itself (as GitHub renders
// it); exits 1 naming the first that does not parse. Run from .tools/, where mermaid and jsdom
// are installed (tests/graph.rs copies it there).
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('');
globalThis.window = window;
globalThis.document = window.document;
const mermaid = (await import('mermaid')).default;
for (const file of process.argv.slice(2)) {
  try {
    const r = await mermaid.parse(readFileSync(file, 'utf8'));
    console.log(`${file}: ${r.diagramType}`);
  } catch (e) {
    console.log(`${file}: ${e.message}`);
    process.exit(1);
  }
}
