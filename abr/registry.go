package abr

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrUnknownAlgorithm is returned by New for a name nobody registered.
var ErrUnknownAlgorithm = errors.New("unknown ABR algorithm")

// ErrBadParam is returned for a parameter that does not exist or whose
// value does not parse.
var ErrBadParam = errors.New("bad ABR parameter")

// Factory builds an algorithm from its parameters given by name, as
// parsed from "name:key=value,key=value". A factory applies the params
// over its published defaults, typically with SetParams.
type Factory func(params map[string]string) (Algorithm, error)

// Info describes a registered algorithm.
type Info struct {
	// Name is the registry name, e.g. "bola".
	Name string
	// Summary is a one-line description with its citation.
	Summary string
	// Params returns the algorithm's default parameter struct (a pointer
	// to a struct with `abr` tags) for listing, or nil when it has none.
	Params func() any
	// New builds an instance.
	New Factory
}

// Registry maps algorithm names to factories. The zero value is empty and
// ready to use; it is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	infos map[string]Info
}

// Register adds an algorithm. It returns an error when the name is empty
// or already taken.
func (r *Registry) Register(info Info) error {
	if info.Name == "" || info.New == nil {
		return fmt.Errorf("abr: register: name and factory are required")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.infos == nil {
		r.infos = map[string]Info{}
	}
	if _, dup := r.infos[info.Name]; dup {
		return fmt.Errorf("abr: register %q: name already registered", info.Name)
	}
	r.infos[info.Name] = info
	return nil
}

// Lookup returns the registration of name.
func (r *Registry) Lookup(name string) (Info, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	info, ok := r.infos[name]
	return info, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.infos))
	for n := range r.infos {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds an algorithm from a spec "name" or "name:key=value,...".
func (r *Registry) New(spec string) (Algorithm, error) {
	name, params, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	info, ok := r.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownAlgorithm, name, strings.Join(r.Names(), ", "))
	}
	a, err := info.New(params)
	if err != nil {
		return nil, fmt.Errorf("abr %q: %w", name, err)
	}
	return a, nil
}

// Default is the registry holding the stock algorithms; user code may add
// its own with Register.
var Default = &Registry{}

// Register adds an algorithm to the Default registry.
func Register(info Info) error { return Default.Register(info) }

// New builds an algorithm from a spec using the Default registry.
func New(spec string) (Algorithm, error) { return Default.New(spec) }

// Names lists the Default registry's algorithms.
func Names() []string { return Default.Names() }

// registerStock registers a stock algorithm at init time: its
// parameters are the struct P with defaults from def, overridden by the
// spec's params through SetParams, and build constructs it.
func registerStock[P any, A Algorithm](name, summary string, def func() P, build func(P) (A, error)) {
	err := Default.Register(Info{
		Name:    name,
		Summary: summary,
		Params:  func() any { p := def(); return &p },
		New: func(params map[string]string) (Algorithm, error) {
			p := def()
			if err := SetParams(&p, params); err != nil {
				return nil, err
			}
			a, err := build(p)
			if err != nil {
				return nil, err // not a as Algorithm: that would be a non-nil interface
			}
			return a, nil
		},
	})
	if err != nil {
		panic(err)
	}
}

// ParseSpec splits "name:key=value,key=value" into the name and its
// parameters. A key may appear once; values may not contain commas.
func ParseSpec(spec string) (name string, params map[string]string, err error) {
	name, rest, hasParams := strings.Cut(strings.TrimSpace(spec), ":")
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, fmt.Errorf("%w: empty algorithm name in %q", ErrBadParam, spec)
	}
	params = map[string]string{}
	if !hasParams || strings.TrimSpace(rest) == "" {
		return name, params, nil
	}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if k == "" {
			return "", nil, fmt.Errorf("%w: %q in %q: expected key=value", ErrBadParam, kv, spec)
		}
		if !ok {
			v = "true" // a bare key is a boolean flag
		}
		if _, dup := params[k]; dup {
			return "", nil, fmt.Errorf("%w: %q given twice in %q", ErrBadParam, k, spec)
		}
		params[k] = strings.TrimSpace(v)
	}
	return name, params, nil
}

// SetParams assigns params to the fields of the struct dst points to. A
// field takes part when it has an `abr:"key"` tag. Supported kinds: bool,
// int, int64 (plain integers), float64, string and time.Duration (Go
// duration syntax such as "10s", or a bare number of seconds). Unknown
// keys and unparsable values are errors wrapping ErrBadParam.
func SetParams(dst any, params map[string]string) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("abr: SetParams needs a pointer to a struct, got %T", dst)
	}
	v = v.Elem()
	fields := paramFields(v.Type())
	for key, val := range params {
		idx, ok := fields[key]
		if !ok {
			return fmt.Errorf("%w: unknown key %q (known: %s)", ErrBadParam, key, strings.Join(sortedKeys(fields), ", "))
		}
		if err := setField(v.Field(idx), val); err != nil {
			return fmt.Errorf("%w: %s=%q: %v", ErrBadParam, key, val, err)
		}
	}
	return nil
}

// ParamDefaults lists the `abr`-tagged fields of the struct p points to
// with their current values formatted, sorted by key.
func ParamDefaults(p any) []string {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	v = v.Elem()
	fields := paramFields(v.Type())
	out := make([]string, 0, len(fields))
	for _, k := range sortedKeys(fields) {
		out = append(out, fmt.Sprintf("%s=%v", k, v.Field(fields[k]).Interface()))
	}
	return out
}

func paramFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("abr"); tag != "" && tag != "-" {
			fields[tag] = i
		}
	}
	return fields
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var durationType = reflect.TypeFor[time.Duration]()

func setField(f reflect.Value, val string) error {
	if f.Type() == durationType {
		d, err := time.ParseDuration(val)
		if err != nil {
			secs, ferr := strconv.ParseFloat(val, 64)
			if ferr != nil {
				return fmt.Errorf("not a duration")
			}
			d = time.Duration(secs * float64(time.Second))
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("not a boolean")
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		f.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		f.SetFloat(x)
	case reflect.String:
		f.SetString(val)
	default:
		return fmt.Errorf("unsupported field kind %s", f.Kind())
	}
	return nil
}
