// msgpackecho does with msgpack what Go's Goridge server does with a body:
// `encode` writes a fixed value with whole-number floats, `echo` decodes stdin
// into interface{} and encodes it again. Both print hex; map keys sorted.
package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/vmihailenco/msgpack/v5"
)

func encode(v interface{}) []byte {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func main() {
	switch os.Args[1] {
	case "encode":
		v := map[string]interface{}{
			"whole":   2.0,
			"negzero": math.Copysign(0, -1),
			"f32":     float32(3),
			"half":    2.5,
			"int":     7,
			"list":    []interface{}{1.0, 2.5, 4, float32(-8)},
			"nested":  map[string]interface{}{"temp": 21.0, "name": "boiler"},
			"big":     1e15,
		}
		fmt.Print(hex.EncodeToString(encode(v)))
	case "echo":
		in, _ := io.ReadAll(os.Stdin)
		raw, _ := hex.DecodeString(string(bytes.TrimSpace(in)))
		var v interface{}
		if err := msgpack.Unmarshal(raw, &v); err != nil {
			panic(err)
		}
		fmt.Print(hex.EncodeToString(encode(v)))
	}
}
