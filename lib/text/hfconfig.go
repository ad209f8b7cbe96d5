package text

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
)

// hfConfig is what tokenizer_config.json and special_tokens_map.json say;
// special_tokens_map.json's entries win, as in transformers.
type hfConfig struct {
	values         map[string]json.RawMessage
	modelMaxLength int
}

func parseHFConfig(cfg, stm []byte, dir string) (*hfConfig, error) {
	c := &hfConfig{values: map[string]json.RawMessage{}}
	for _, f := range []struct {
		name string
		b    []byte
	}{{TokenizerConfigFile, cfg}, {SpecialTokensFile, stm}} {
		if f.b == nil {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(f.b, &m); err != nil {
			return nil, fmt.Errorf("%w: %s: %s", ErrBadModel, filepath.Join(dir, f.name), jsonLine(f.b, err))
		}
		for k, v := range m {
			c.values[k] = v
		}
	}
	// Check the types of the keys used, so that a bad file fails here.
	for _, k := range []string{"do_lower_case", "strip_accents", "tokenize_chinese_chars"} {
		if v, ok := c.values[k]; ok && string(v) != "null" {
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				return nil, fmt.Errorf("%w: %s: %s: want true, false or null, got %s", ErrBadModel, filepath.Join(dir, TokenizerConfigFile), k, v)
			}
		}
	}
	for _, k := range []string{"unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "bos_token", "eos_token"} {
		if _, ok := c.values[k]; ok {
			if _, _, err := c.tokenErr(k); err != nil {
				return nil, fmt.Errorf("%w: %s: %s: %v", ErrBadModel, dir, k, err)
			}
		}
	}
	if v, ok := c.values["model_max_length"]; ok {
		var f float64
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, fmt.Errorf("%w: %s: model_max_length: %v", ErrBadModel, filepath.Join(dir, TokenizerConfigFile), err)
		}
		// transformers writes int(1e30) when there is no limit.
		if f > 0 && f < 1e9 {
			c.modelMaxLength = int(f)
		}
	}
	return c, nil
}

func (c *hfConfig) has(key string) bool {
	v, ok := c.values[key]
	return ok && string(v) != "null"
}

// bool returns a boolean setting; absent or null gives def.
func (c *hfConfig) bool(key string, def bool) bool {
	var b bool
	if v, ok := c.values[key]; ok && string(v) != "null" && json.Unmarshal(v, &b) == nil {
		return b
	}
	return def
}

// token returns a special token setting: a string, or an AddedToken object
// ({"content": ..., "lstrip": ...}); absent gives def. Special tokens are
// not normalised unless the object says so.
func (c *hfConfig) token(key, def string) addedToken {
	a, _, err := c.tokenErr(key)
	if err != nil || a.Content == "" {
		return addedToken{Content: def, Special: true}
	}
	return a
}

// tokenObject reports whether key is given as an AddedToken object.
func (c *hfConfig) tokenObject(key string) bool {
	_, obj, err := c.tokenErr(key)
	return err == nil && obj
}

func (c *hfConfig) tokenErr(key string) (addedToken, bool, error) {
	v, ok := c.values[key]
	if !ok || string(v) == "null" {
		return addedToken{}, false, nil
	}
	return decodeAddedToken(v)
}

func decodeAddedToken(v json.RawMessage) (addedToken, bool, error) {
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return addedToken{Content: s, Special: true}, false, nil
	}
	a := addedToken{Special: true}
	if err := json.Unmarshal(v, &a); err != nil {
		return addedToken{}, false, fmt.Errorf("want a string or an AddedToken object, got %s", v)
	}
	if a.Content == "" {
		return addedToken{}, false, fmt.Errorf("AddedToken without content: %s", v)
	}
	return a, true, nil
}

// extraAdded returns additional_special_tokens and the entries of
// added_tokens_decoder whose token is in the vocabulary ids.
func (c *hfConfig) extraAdded(ids map[string]int32) []addedToken {
	var out []addedToken
	seen := map[string]bool{}
	if v, ok := c.values["added_tokens_decoder"]; ok {
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) == nil {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				id, err := strconv.Atoi(k)
				a, _, err2 := decodeAddedToken(m[k])
				if err != nil || err2 != nil {
					continue
				}
				if vid, ok := ids[a.Content]; !ok || int(vid) != id {
					continue
				}
				a.ID = int32(id)
				out = append(out, a)
				seen[a.Content] = true
			}
		}
	}
	if v, ok := c.values["additional_special_tokens"]; ok {
		var list []json.RawMessage
		if json.Unmarshal(v, &list) == nil {
			for _, e := range list {
				a, _, err := decodeAddedToken(e)
				if err != nil || seen[a.Content] {
					continue
				}
				id, ok := ids[a.Content]
				if !ok {
					continue
				}
				a.ID = id
				out = append(out, a)
				seen[a.Content] = true
			}
		}
	}
	return out
}
