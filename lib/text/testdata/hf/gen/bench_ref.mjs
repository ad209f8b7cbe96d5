// Throughput of tokenizers.js on the texts of BenchmarkPretrainedEncode (the
// UDHR article 1 paragraphs of sentences.json), for comparison with the Go
// benchmark in the same session:
//
//   node bench_ref.mjs TOKENIZERS_JS_PACKAGE_DIR HF_DIR [SECONDS]
//
// Prints tokens per second of Tokenizer.encode for each fixture's
// tokenizer.json, best of five runs.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pkg, hf, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 1);
const { Tokenizer } = await import(pathToFileURL(path.join(pkg, "dist", "tokenizers.mjs")).href);
const texts = JSON.parse(fs.readFileSync(path.join(hf, "sentences.json"), "utf8"))
  .cases.filter((c) => c.name.startsWith("udhr_art1_")).map((c) => c.text);
for (const name of ["bert-uncased", "mbert-cased", "xlmr-unigram"]) {
  const dir = path.join(hf, name);
  const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8")),
    JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")));
  let best = 0;
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (seconds * 1000) / 5) {
      for (const s of texts) n += tok.encode(s).ids.length;
    }
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  console.log(`tokenizers.js ${name}/tokenizer.json: ${best.toFixed(0)} tokens/s`);
}
