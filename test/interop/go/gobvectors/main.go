// Command gobvectors produces and checks gob bodies with the real goridge v3.8.3
// net/rpc ClientCodec, so Outrigger's TypeScript gob codec is tested against Go
// bytes rather than against our own reading of the spec.
//
//	gobvectors gen    > test/fixtures/gob-vectors.json
//	gobvectors check  < lines of {"id","target","frame_hex"}
//	gobvectors check-shared  (same input, one ClientCodec for all frames)
//
// gen: every case goes through ClientCodec.WriteRequest, exactly as a Go client
// calling client.Call("App.Echo", value, &reply) would send it; the body is the
// payload after the method prefix. "expected" is how Outrigger's decoder should
// map the value to JS (tagged where JSON cannot say it: $bytes, $bigint, $map...).
//
// check: every line is a whole goridge reply frame (built by our encoder) that is
// fed to ClientCodec.ReadResponseHeader/ReadResponseBody into the Go type named
// by "target". One JSON line is printed per input; the exit status is 1 if any
// frame failed to decode.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/rpc"
	"os"
	"reflect"
	"runtime"
	"sort"
	"time"

	goridgerpc "github.com/roadrunner-server/goridge/v3/pkg/rpc"
)

type Inner struct {
	Label  string
	Weight float64
}

type Payload struct {
	Name    string
	Count   int
	Ratio   float64
	Enabled bool
	Tags    []string
	Inner   Inner
	Items   []Inner
	Attrs   map[string]string
	Data    []byte
	Neg     int64
	Big     uint64
	Any     interface{}
	hidden  string //nolint:unused // proves unexported fields are not sent
}

type Node struct {
	Value int
	Next  *Node
}

type Stamped struct {
	Label string
	When  time.Time
}

func init() {
	// A Go peer has to register these before they can travel inside an
	// interface value; only basic types and their slices are pre-registered.
	gob.Register(map[string]interface{}{})
	gob.Register([]interface{}{})
	gob.Register(Inner{})
}

type memConn struct {
	r io.Reader
	w bytes.Buffer
}

func (m *memConn) Read(p []byte) (int, error)  { return m.r.Read(p) }
func (m *memConn) Write(p []byte) (int, error) { return m.w.Write(p) }
func (m *memConn) Close() error                { return nil }

type genCase struct {
	name  string
	value any
}

func cases() []genCase {
	return []genCase{
		{"string", "hi"},
		{"string_utf8", "a/b é ✓"},
		{"string_empty", ""},
		{"bytes", []byte{0, 1, 2, 0xfe, 0xff}},
		{"bytes_empty", []byte{}},
		{"int", 42},
		{"int_zero", 0},
		{"int_neg_129", -129},
		{"int64_min", int64(math.MinInt64)},
		{"int64_max", int64(math.MaxInt64)},
		{"int_2pow53", int64(1) << 53},
		{"uint64_max", uint64(math.MaxUint64)},
		{"uint8", uint8(200)},
		{"float64_17", 17.0},
		{"float64_neg_half", -0.5},
		{"float64_pi", math.Pi},
		{"float64_inf", math.Inf(1)},
		{"float32", float32(1.25)},
		{"complex128", complex(1.5, -2)},
		{"bool_true", true},
		{"bool_false", false},
		{"strings", []string{"a", "b", ""}},
		{"strings_empty", []string{}},
		{"ints", []int{1, -2, 300}},
		{"array3", [3]int{1, 2, 3}},
		{"map_ss", map[string]string{"a": "1", "b": "2"}},
		{"map_ss_empty", map[string]string{}},
		{"map_proto_key", map[string]string{"__proto__": "x"}},
		{"map_si", map[string]interface{}{"s": "x", "n": 7, "f": 1.5, "b": true, "l": []string{"a"}, "nil": nil}},
		{"map_is", map[int]string{1: "one", -2: "minus two"}},
		{"map_nested", map[string]map[string]int{"a": {"x": 1}}},
		{"iface_slice", []interface{}{"a", 1, 2.5, true, []byte{1}, map[string]interface{}{"k": "v"}, []interface{}{int64(3)}, nil}},
		{"iface_struct", map[string]interface{}{"inner": Inner{Label: "in", Weight: 0.25}}},
		{"payload", Payload{
			Name: "x", Count: 2, Ratio: 0.5, Enabled: true, Tags: []string{"t1", "t2"},
			Inner: Inner{Label: "in", Weight: 1.5}, Items: []Inner{{Label: "a", Weight: 1}, {}},
			Attrs: map[string]string{"k": "v"}, Data: []byte{9, 8}, Neg: -7, Big: math.MaxUint64,
			Any: "dyn", hidden: "never",
		}},
		{"payload_zero", Payload{}},
		{"inners", []Inner{{Label: "a", Weight: 1}, {}}},
		{"node", Node{Value: 1, Next: &Node{Value: 2}}},
		{"stamped", Stamped{Label: "t", When: time.Date(2024, 7, 23, 12, 0, 0, 0, time.UTC)}},
	}
}

var gobEncoderType = reflect.TypeOf((*gob.GobEncoder)(nil)).Elem()

// toJS mirrors Outrigger's decode mapping: absent struct fields become Go zero
// values (nil slice -> [], nil map/pointer/interface -> null).
func toJS(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type().Implements(gobEncoderType) && v.Kind() != reflect.Interface && v.Kind() != reflect.Pointer {
		b, err := v.Interface().(gob.GobEncoder).GobEncode()
		if err != nil {
			panic(err)
		}
		return map[string]any{"$bytes": hex.EncodeToString(b)}
	}
	const safe = 1<<53 - 1
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return toJS(v.Elem())
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n := v.Int(); n > safe || n < -safe {
			return map[string]any{"$bigint": fmt.Sprint(n)}
		}
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if n := v.Uint(); n > safe {
			return map[string]any{"$bigint": fmt.Sprint(n)}
		}
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return map[string]any{"$float": fmt.Sprint(f)}
		}
		return f
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		return map[string]any{"$complex": []float64{real(c), imag(c)}}
	case reflect.String:
		return v.String()
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 && v.Kind() == reflect.Slice {
			return map[string]any{"$bytes": hex.EncodeToString(v.Bytes())}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toJS(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		if v.Type().Key().Kind() == reflect.String {
			out := map[string]any{}
			for _, k := range v.MapKeys() {
				out[k.String()] = toJS(v.MapIndex(k))
			}
			return out
		}
		pairs := [][2]any{}
		for _, k := range v.MapKeys() {
			pairs = append(pairs, [2]any{toJS(k), toJS(v.MapIndex(k))})
		}
		sort.Slice(pairs, func(i, j int) bool { return fmt.Sprint(pairs[i][0]) < fmt.Sprint(pairs[j][0]) })
		return map[string]any{"$map": pairs}
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() {
				out[f.Name] = toJS(v.Field(i))
			}
		}
		return out
	}
	panic("toJS: unhandled kind " + v.Kind().String())
}

type vector struct {
	Name     string `json:"name"`
	GoType   string `json:"go_type"`
	FrameHex string `json:"frame_hex"`
	BodyHex  string `json:"body_hex"`
	Expected any    `json:"expected"`
}

func gen() error {
	out := []vector{}
	for i, c := range cases() {
		conn := &memConn{r: bytes.NewReader(nil)}
		codec := goridgerpc.NewClientCodec(conn)
		if err := codec.WriteRequest(&rpc.Request{ServiceMethod: "App.Echo", Seq: uint64(i)}, c.value); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		frame := conn.w.Bytes()
		hl := int(frame[0] & 0x0f)
		methodLen := int(binary.LittleEndian.Uint32(frame[16:20]))
		body := frame[hl*4+methodLen:]
		out = append(out, vector{c.name, fmt.Sprintf("%T", c.value), hex.EncodeToString(frame), hex.EncodeToString(body), toJS(reflect.ValueOf(c.value))})
	}
	doc := map[string]any{
		"generated_by": "test/interop/go/gobvectors gen (goridge v3.8.3 ClientCodec.WriteRequest, " + runtime.Version() + ")",
		"note":         "map entries are encoded in Go's random iteration order, so regenerating changes bytes but not meaning",
		"vectors":      out,
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func targets() map[string]func() any {
	return map[string]func() any{
		"string":      func() any { return new(string) },
		"bytes":       func() any { return new([]byte) },
		"int":         func() any { return new(int) },
		"int64":       func() any { return new(int64) },
		"uint64":      func() any { return new(uint64) },
		"float64":     func() any { return new(float64) },
		"bool":        func() any { return new(bool) },
		"strings":     func() any { return new([]string) },
		"ints":        func() any { return new([]int) },
		"array3":      func() any { return new([3]int) },
		"map_ss":      func() any { return new(map[string]string) },
		"map_si":      func() any { return new(map[string]interface{}) },
		"map_is":      func() any { return new(map[int]string) },
		"iface_slice": func() any { return new([]interface{}) },
		"payload":     func() any { return new(Payload) },
		"inner":       func() any { return new(Inner) },
		"inners":      func() any { return new([]Inner) },
		"node":        func() any { return new(Node) },
		"stamped":     func() any { return new(Stamped) },
	}
}

type checkIn struct {
	ID       string `json:"id"`
	Target   string `json:"target"`
	FrameHex string `json:"frame_hex"`
}

type checkOut struct {
	ID       string `json:"id"`
	OK       bool   `json:"ok"`
	Seq      uint64 `json:"seq"`
	Method   string `json:"method"`
	RPCError string `json:"rpc_error,omitempty"`
	GoType   string `json:"go_type,omitempty"`
	JSON     string `json:"json,omitempty"`
	Error    string `json:"error,omitempty"`
}

// readOne reads the next reply from codec into the Go type named by in.Target.
func readOne(codec *goridgerpc.ClientCodec, in checkIn) checkOut {
	res := checkOut{ID: in.ID}
	mk, ok := targets()[in.Target]
	if !ok {
		res.Error = "unknown target " + in.Target
		return res
	}
	var hdr rpc.Response
	if err := codec.ReadResponseHeader(&hdr); err != nil {
		res.Error = err.Error()
		return res
	}
	res.Seq, res.Method, res.RPCError = hdr.Seq, hdr.ServiceMethod, hdr.Error
	if hdr.Error != "" {
		// net/rpc's client reads the body of an error reply into nil, which goridge skips.
		res.OK = codec.ReadResponseBody(nil) == nil
		return res
	}
	out := mk()
	if err := codec.ReadResponseBody(out); err != nil {
		res.Error = err.Error()
		return res
	}
	val := reflect.ValueOf(out).Elem().Interface()
	b, err := json.Marshal(val)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.OK, res.GoType, res.JSON = true, fmt.Sprintf("%T", val), string(b)
	return res
}

// check decodes every frame with its own ClientCodec; with shared set, all frames
// go through ONE ClientCodec, as replies on one connection do.
func check(shared bool) error {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var ins []checkIn
	var frames [][]byte
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var in checkIn
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			return err
		}
		frame, err := hex.DecodeString(in.FrameHex)
		if err != nil {
			return fmt.Errorf("%s: %w", in.ID, err)
		}
		ins, frames = append(ins, in), append(frames, frame)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	var sharedCodec *goridgerpc.ClientCodec
	if shared {
		sharedCodec = goridgerpc.NewClientCodec(&memConn{r: bytes.NewReader(bytes.Join(frames, nil))})
	}
	enc := json.NewEncoder(os.Stdout)
	failed := 0
	for i, in := range ins {
		codec := sharedCodec
		if codec == nil {
			codec = goridgerpc.NewClientCodec(&memConn{r: bytes.NewReader(frames[i])})
		}
		res := readOne(codec, in)
		if !res.OK {
			failed++
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d frame(s) failed to decode", failed)
	}
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "gen":
		err = gen()
	case len(os.Args) == 2 && os.Args[1] == "check":
		err = check(false)
	case len(os.Args) == 2 && os.Args[1] == "check-shared":
		err = check(true)
	default:
		err = fmt.Errorf("usage: gobvectors gen|check|check-shared")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gobvectors:", err)
		os.Exit(1)
	}
}
