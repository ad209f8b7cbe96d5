package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/otclir/otclir/lib/safetensors"
)

// The fixtures of lib/bert/testdata: reference.json holds each text's tokens
// and ids from the slow HuggingFace tokenizers (re-implemented in
// lib/bert/testdata/hfref.py), reference.safetensors its last hidden state
// (text.K.hidden) and projection (text.K.projected) from the PyTorch
// reference forward pass of the text alone.
func TestEncodeCommandMatchesReference(t *testing.T) {
	for _, fx := range []string{"tiny-bert", "tiny-bert-bin", "tiny-bert-sharded-bf16", "tiny-bert-f16", "tiny-xlmr", "tiny-colbert"} {
		t.Run(fx, func(t *testing.T) {
			dir := filepath.Join("..", "..", "lib", "bert", "testdata", fx)
			b, err := os.ReadFile(filepath.Join(dir, "reference.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref struct {
				Texts []struct {
					Text   string   `json:"text"`
					Tokens []string `json:"tokens"`
					IDs    []int32  `json:"ids"`
				} `json:"texts"`
			}
			if err := json.Unmarshal(b, &ref); err != nil {
				t.Fatal(err)
			}
			want, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			defer want.Close()
			var in strings.Builder
			for _, c := range ref.Texts {
				in.WriteString(c.Text + "\n")
			}
			var out bytes.Buffer
			// Batches of 2: mixed lengths in one forward pass.
			if err := cmdEncode(context.Background(), []string{"-model", dir, "-batch", "2"}, strings.NewReader(in.String()), &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(&out)
			sc.Buffer(nil, 1<<24)
			k := 0
			for ; sc.Scan(); k++ {
				var rec encodeRecord
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatalf("line %d: %v", k+1, err)
				}
				c := ref.Texts[k]
				if rec.Text != c.Text || !slices.Equal(rec.Tokens, c.Tokens) || !slices.Equal(rec.IDs, c.IDs) {
					t.Fatalf("text %d: %q %v %v, want %q %v %v", k, rec.Text, rec.Tokens, rec.IDs, c.Text, c.Tokens, c.IDs)
				}
				compare := func(field string, got [][]float32, name string) {
					w, info, err := want.Float32(name)
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != info.Shape[0] {
						t.Fatalf("text %d: %d %s rows, want %d", k, len(got), field, info.Shape[0])
					}
					flat := slices.Concat(got...)
					for i := range w {
						if d := math.Abs(float64(flat[i] - w[i])); d > 1e-5 {
							t.Fatalf("text %d: %s[%d] = %g, PyTorch %g", k, field, i, flat[i], w[i])
						}
					}
				}
				compare("hidden", rec.Hidden, fmt.Sprintf("text.%d.hidden", k))
				_, proj := want.Info(fmt.Sprintf("text.%d.projected", k))
				if proj != (rec.Vectors != nil) {
					t.Fatalf("text %d: vectors present %v, reference %v", k, rec.Vectors != nil, proj)
				}
				if proj {
					compare("vectors", rec.Vectors, fmt.Sprintf("text.%d.projected", k))
				}
			}
			if k != len(ref.Texts) {
				t.Fatalf("%d output lines for %d texts", k, len(ref.Texts))
			}
		})
	}
}

func TestEncodeCommandFlags(t *testing.T) {
	dir := filepath.Join("..", "..", "lib", "bert", "testdata", "tiny-colbert")
	var out bytes.Buffer
	in := "Everyone has the right to life, liberty and security of person\r\n"
	if err := cmdEncode(context.Background(), []string{"-model", dir, "-max-length", "5", "-hidden=false"}, strings.NewReader(in), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	toks := fmt.Sprint(rec["tokens"])
	if toks != "[[CLS] everyone has the [SEP]]" || rec["hidden"] != nil || len(rec["vectors"].([]any)) != 5 {
		t.Fatalf("truncated record: tokens %s, hidden %v, vectors %v", toks, rec["hidden"] != nil, rec["vectors"])
	}
	if rec["text"] != "Everyone has the right to life, liberty and security of person" {
		t.Errorf("text %q (CR not stripped?)", rec["text"])
	}

	cases := []struct {
		args []string
		want string
	}{
		{nil, "-model is required"},
		{[]string{"-model", filepath.Join(t.TempDir(), "absent")}, "absent"},
		{[]string{"-model", t.TempDir()}, "config.json"},
		{[]string{"-model", dir, "-max-length", "41"}, "-max-length 41 out of range 3..40"},
		{[]string{"-model", dir, "-batch", "0"}, "-batch 0"},
		{[]string{"-model", dir, "stray"}, "unexpected arguments"},
	}
	for _, c := range cases {
		err := cmdEncode(context.Background(), c.args, strings.NewReader("x\n"), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	var help bytes.Buffer
	if err := cmdEncode(context.Background(), []string{"-h"}, strings.NewReader(""), io.Discard, &help); !errors.Is(err, flag.ErrHelp) || !strings.Contains(help.String(), `"vectors"`) {
		t.Errorf("-h: %v\n%s", err, help.String())
	}
	// Empty input: no output, no error.
	out.Reset()
	if err := cmdEncode(context.Background(), []string{"-model", dir}, strings.NewReader(""), &out, io.Discard); err != nil || out.Len() != 0 {
		t.Errorf("empty input: %v, %q", err, out.String())
	}
}
