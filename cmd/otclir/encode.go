package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/otclir/otclir/internal/gomlxpatch"
	"github.com/otclir/otclir/lib/bert"
	"github.com/otclir/otclir/lib/encoder"
	"github.com/otclir/otclir/lib/text"
)

const encodeUsage = `usage: otclir encode -model DIR [-max-length N] [-batch N] [-hidden=false] < texts

Encodes texts, one per line on stdin, with a HuggingFace checkpoint directory
(BERT, mBERT, XLM-RoBERTa, ColBERT: config.json, model.safetensors or shards or
pytorch_model.bin, and the tokenizer files; nothing is downloaded) and prints
one JSON object per line of input, in order:

  {"text": ..., "tokens": [...], "ids": [...], "hidden": [[...], ...], "vectors": [[...], ...]}

tokens and ids include the special tokens ([CLS] ... [SEP], <s> ... </s>);
hidden is the last hidden state, one row of hidden_size values per token;
vectors, only for a model with a projection (ColBERT's linear.weight), are the
projected, L2-normalised token vectors. Texts longer than -max-length tokens
are truncated as HuggingFace truncates them.

flags:
`

// maxLineBytes bounds one input line.
const maxLineBytes = 16 << 20

func cmdEncode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("encode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), encodeUsage)
		fs.PrintDefaults()
	}
	modelDir := fs.String("model", "", "HuggingFace checkpoint directory (required)")
	maxLen := fs.Int("max-length", 0, "longest token sequence, special tokens included (default: the model's positions, or the tokenizer's model_max_length if smaller)")
	batch := fs.Int("batch", 32, "texts per forward pass")
	hidden := fs.Bool("hidden", true, `print "hidden" (false: tokens, ids and vectors only)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelDir == "" {
		return errors.New("encode: -model is required (a HuggingFace checkpoint directory)")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("encode: unexpected arguments %q (texts are read from stdin)", fs.Args())
	}
	if *batch <= 0 {
		return fmt.Errorf("encode: -batch %d must be positive", *batch)
	}
	// simplego v0.26.0 announces its parallelism with fmt.Printf, on the
	// process's stdout: send it to stderr so that stdout is JSON only.
	if err := gomlxpatch.Install(); err != nil {
		return err
	}
	saved := os.Stdout
	os.Stdout = os.Stderr
	backend, err := encoder.NewBackend()
	os.Stdout = saved
	if err != nil {
		return err
	}
	m, err := bert.Load(backend, *modelDir)
	if err != nil {
		return err
	}
	tok, err := text.LoadPretrained(*modelDir)
	if err != nil {
		return err
	}
	if tok.VocabSize() > m.Config.VocabSize {
		return fmt.Errorf("encode: %s: the tokenizer has %d ids, the model's vocab_size is %d", *modelDir, tok.VocabSize(), m.Config.VocabSize)
	}
	limit := m.Config.MaxLength()
	if ml := tok.ModelMaxLength(); ml > 0 && ml < limit {
		limit = ml
	}
	if *maxLen == 0 {
		*maxLen = limit
	}
	if *maxLen < tok.NumSpecialTokens()+1 || *maxLen > m.Config.MaxLength() {
		return fmt.Errorf("encode: -max-length %d out of range %d..%d (the model's positions)", *maxLen, tok.NumSpecialTokens()+1, m.Config.MaxLength())
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	chunk := *batch * 8 // texts read, encoded and printed at a time
	line := 0
	for done := false; !done; {
		var texts []string
		for len(texts) < chunk {
			if !sc.Scan() {
				done = true
				break
			}
			texts = append(texts, strings.TrimSuffix(sc.Text(), "\r"))
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("encode: stdin line %d: %w", line+len(texts)+1, err)
		}
		if len(texts) == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("encode: interrupted after %d texts: %w", line, err)
		}
		encs := make([]text.Encoding, len(texts))
		seqs := make([][]int32, len(texts))
		for i, s := range texts {
			encs[i] = tok.EncodeTruncated(s, *maxLen)
			seqs[i] = encs[i].IDs
		}
		out, err := m.EncodeSequences(seqs, *batch)
		if err != nil {
			return fmt.Errorf("encode: texts at lines %d..%d: %w", line+1, line+len(texts), err)
		}
		for i, s := range texts {
			rec := encodeRecord{Text: s, Tokens: encs[i].Tokens, IDs: encs[i].IDs, Vectors: out[i].Vectors}
			if *hidden {
				rec.Hidden = out[i].Hidden
			}
			if err := enc.Encode(rec); err != nil {
				return fmt.Errorf("encode: writing line %d: %w", line+i+1, err)
			}
		}
		line += len(texts)
	}
	return w.Flush()
}

// encodeRecord is one output line of otclir encode.
type encodeRecord struct {
	Text    string      `json:"text"`
	Tokens  []string    `json:"tokens"`
	IDs     []int32     `json:"ids"`
	Hidden  [][]float32 `json:"hidden,omitempty"`
	Vectors [][]float32 `json:"vectors,omitempty"`
}
