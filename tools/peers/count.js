// The npm EDIFACT parsers on one file, as `make compare-peers` runs them:
//
//   node count.js edifact|ts-edifact FILE [--stream]
//
// Parses FILE with the parser's event API (validation off, charset UNOC as the generated file
// declares), counts segments, elements and components the way `edi stats` does, and prints one
// JSON line with the counts, the parse time (from the first write to the end, without Node's
// start-up and the file read in whole-file mode) and the peak RSS. --stream feeds 64 KiB chunks.
const fs = require('fs');
const [which, file, mode] = process.argv.slice(2);
let Parser, parser;
if (which === 'edifact') {
  Parser = require('edifact/parser.js');
  const Validator = require('edifact/validator.js');
  const v = new Validator(); v.disable();
  parser = new Parser(v);
  parser.encoding('UNOC');
} else {
  const { Parser: TsParser } = require('ts-edifact/lib/parser.js');
  const { Configuration } = require('ts-edifact/lib/configuration.js');
  const { NullValidator } = require('ts-edifact/lib/validator.js');
  parser = new TsParser(new Configuration({ charset: 'UNOC', validator: new NullValidator() }));
}
let segments = 0, elements = 0, components = 0;
const onSeg = () => { segments++; }, onEl = () => { elements++; }, onComp = () => { components++; };
if (which === 'edifact') { parser.on('opensegment', onSeg); parser.on('element', onEl); parser.on('component', onComp); }
else { parser.onOpenSegment = onSeg; parser.onElement = onEl; parser.onComponent = onComp; }
let t0 = process.hrtime.bigint();
if (mode === '--stream') {
  const fd = fs.openSync(file, 'r'); const buf = Buffer.alloc(65536); let n;
  while ((n = fs.readSync(fd, buf, 0, buf.length)) > 0) parser.write(buf.toString('latin1', 0, n));
} else {
  const text = fs.readFileSync(file, 'latin1');
  t0 = process.hrtime.bigint();
  parser.write(text);
}
parser.end();
const t1 = process.hrtime.bigint();
console.log(JSON.stringify({ parser: which, segments, elements, components, parse_seconds: Number(t1 - t0) / 1e9, max_rss_kb: process.resourceUsage().maxRSS }));
