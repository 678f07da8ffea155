package qoe

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownModel is returned (wrapped, with the name) by ParseModel,
// ParseModels and Lookup for a name that is not registered.
var ErrUnknownModel = errors.New("qoe: unknown QoE model")

// ScoreFunc scores a session under a convention. Model.Score has this
// signature.
type ScoreFunc func(s *Session, c Convention) (Score, error)

// newModel returns the published model for a registered name.
func newModel(name string) (Model, bool) {
	switch name {
	case "lin":
		return Lin(), true
	case "log":
		return Log(), true
	case "hd":
		return HD(), true
	}
	return Model{}, false
}

// ModelNames returns the registered model names: "lin", "log", "hd".
func ModelNames() []string {
	return []string{"lin", "log", "hd"}
}

// ParseModel returns the published model registered under name ("lin",
// "log" or "hd"; case and surrounding spaces are ignored). Each call returns
// a fresh Model, so callers may change its fields.
func ParseModel(name string) (Model, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	m, ok := newModel(key)
	if !ok {
		return Model{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, name, strings.Join(ModelNames(), ", "))
	}
	return m, nil
}

// ParseModels parses a comma-separated list of model names, as given to a
// CLI flag such as -qoe lin,log,hd. The empty string gives an empty list.
// A name may appear only once.
func ParseModels(list string) ([]Model, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	parts := strings.Split(list, ",")
	out := make([]Model, 0, len(parts))
	for _, p := range parts {
		m, err := ParseModel(p)
		if err != nil {
			return nil, fmt.Errorf("qoe: model list %q: %w", list, err)
		}
		for _, prev := range out {
			if prev.Name == m.Name {
				return nil, fmt.Errorf("qoe: model list %q: %q given twice", list, m.Name)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// Lookup returns the scoring function of the model registered under name.
func Lookup(name string) (ScoreFunc, error) {
	m, err := ParseModel(name)
	if err != nil {
		return nil, err
	}
	return m.Score, nil
}
