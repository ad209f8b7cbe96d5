package pretrained

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
)

// ConfigFile is the name of the configuration inside a checkpoint directory.
const ConfigFile = "config.json"

// Config is a config.json object.
type Config struct {
	// Path is the file it was read from ("" for a new config).
	Path   string
	fields map[string]json.RawMessage
}

// NewConfig returns an empty config.
func NewConfig() *Config { return &Config{fields: map[string]json.RawMessage{}} }

// ReadConfig reads config.json (or any path to a JSON object).
func ReadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %w", err)
	}
	c := &Config{Path: path}
	if err := json.Unmarshal(b, &c.fields); err != nil || c.fields == nil {
		if err == nil {
			err = fmt.Errorf("not a JSON object")
		}
		return nil, fmt.Errorf("pretrained: %s: %w", path, err)
	}
	return c, nil
}

func (c *Config) where() string {
	if c.Path == "" {
		return "config"
	}
	return c.Path
}

// Has reports whether key is present and not null.
func (c *Config) Has(key string) bool {
	v, ok := c.fields[key]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// Int returns the integer value of key, or def when it is absent or null.
func (c *Config) Int(key string, def int) (int, error) {
	if !c.Has(key) {
		return def, nil
	}
	var f float64
	if err := json.Unmarshal(c.fields[key], &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("pretrained: %s: %s: want an integer, got %s", c.where(), key, c.fields[key])
	}
	return int(f), nil
}

// Float returns the numeric value of key, or def when it is absent or null.
func (c *Config) Float(key string, def float64) (float64, error) {
	if !c.Has(key) {
		return def, nil
	}
	var f float64
	if err := json.Unmarshal(c.fields[key], &f); err != nil {
		return 0, fmt.Errorf("pretrained: %s: %s: want a number, got %s", c.where(), key, c.fields[key])
	}
	return f, nil
}

// String returns the string value of key, or def when it is absent or null.
func (c *Config) String(key, def string) (string, error) {
	if !c.Has(key) {
		return def, nil
	}
	var s string
	if err := json.Unmarshal(c.fields[key], &s); err != nil {
		return "", fmt.Errorf("pretrained: %s: %s: want a string, got %s", c.where(), key, c.fields[key])
	}
	return s, nil
}

// Bool returns the boolean value of key, or def when it is absent or null.
func (c *Config) Bool(key string, def bool) (bool, error) {
	if !c.Has(key) {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(c.fields[key], &b); err != nil {
		return false, fmt.Errorf("pretrained: %s: %s: want true or false, got %s", c.where(), key, c.fields[key])
	}
	return b, nil
}

// Strings returns the string list value of key (nil when absent or null).
func (c *Config) Strings(key string) ([]string, error) {
	if !c.Has(key) {
		return nil, nil
	}
	var s []string
	if err := json.Unmarshal(c.fields[key], &s); err != nil {
		return nil, fmt.Errorf("pretrained: %s: %s: want a list of strings, got %s", c.where(), key, c.fields[key])
	}
	return s, nil
}

// Set sets key to the JSON encoding of value.
func (c *Config) Set(key string, value any) error {
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("pretrained: config key %s: %w", key, err)
	}
	c.fields[key] = b
	return nil
}

// Delete removes key.
func (c *Config) Delete(key string) { delete(c.fields, key) }

// Keys lists the keys present.
func (c *Config) Keys() []string {
	keys := make([]string, 0, len(c.fields))
	for k := range c.fields {
		keys = append(keys, k)
	}
	return keys
}

// Clone returns an independent copy (with the same Path).
func (c *Config) Clone() *Config {
	return &Config{Path: c.Path, fields: maps.Clone(c.fields)}
}

// Marshal encodes the config as save_pretrained does: keys sorted, indented
// by two spaces, a final newline.
func (c *Config) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	b, err := json.Marshal(c.fields) // sorted keys
	if err != nil {
		return nil, fmt.Errorf("pretrained: %s: %w", c.where(), err)
	}
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
