// Encodes the golden sentences with tokenizers.js (npm @huggingface/tokenizers,
// HuggingFace's JavaScript implementation of tokenizer.json).
//
//   node ref_tokjs.mjs TOKENIZERS_JS_PACKAGE_DIR HF_DIR [SENTENCES_JSON] > out.json
//
// For every fixture directory of HF_DIR and every sentence of SENTENCES_JSON
// (default HF_DIR/sentences.json) it prints the ids, the tokens and the
// normaliser's output of tokenizer.json.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pkg, hf, sentencesPath] = process.argv.slice(2);
const { Tokenizer } = await import(pathToFileURL(path.join(pkg, "dist", "tokenizers.mjs")).href);
const version = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")).version;
const sentences = JSON.parse(fs.readFileSync(sentencesPath ?? path.join(hf, "sentences.json"), "utf8")).cases;

const out = { reference: `@huggingface/tokenizers ${version} under node ${process.version}`, tokenizers: {} };
for (const name of ["bert-uncased", "mbert-cased", "xlmr-unigram"]) {
  const dir = path.join(hf, name);
  const json = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8"));
  const config = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
  const tok = new Tokenizer(json, config);
  out.tokenizers[name] = sentences.map((c) => {
    const e = tok.encode(c.text);
    return { name: c.name, ids: e.ids, tokens: e.tokens, normalized: tok.normalizer ? tok.normalizer(c.text) : c.text };
  });
}
process.stdout.write(JSON.stringify(out));
