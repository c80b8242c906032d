// Command goridgeclient is the real Go client of the Goridge interop test:
// Go's net/rpc over github.com/roadrunner-server/goridge/v3 v3.8.3 pkg/rpc
// ClientCodec (which gob-encodes every argument), calling a running Outrigger.
//
//	goridgeclient -addr tcp://127.0.0.1:6001
//	goridgeclient -addr unix:///run/outrigger/goridge.sock
//
// The daemon must serve the built-in sys actor and the test fixture actor
// "app" (test/fixtures/actors/goridge-app.ts). One JSON line is printed per
// check: {"name", "ok", "detail"}; the exit status is 1 if any check failed.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	goridgeRpc "github.com/roadrunner-server/goridge/v3/pkg/rpc"
)

// Payload is a struct argument with the kinds a Go client commonly sends.
type Payload struct {
	ID    int64
	Name  string
	Ratio float64
	Ok    bool
	Tags  []string
	Data  []byte
	Attrs map[string]string
	Inner Inner
}

// Inner is a nested struct.
type Inner struct {
	Label string
	Count int
}

type result struct {
	Name   string `json:"name"`
	Ok     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

var failed bool

func report(name string, err error) {
	r := result{Name: name, Ok: err == nil}
	if err != nil {
		r.Detail = err.Error()
		failed = true
	}
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

func dial(addr string) (*rpc.Client, error) {
	var conn net.Conn
	var err error
	switch {
	case strings.HasPrefix(addr, "tcp://"):
		conn, err = net.Dial("tcp", strings.TrimPrefix(addr, "tcp://"))
	case strings.HasPrefix(addr, "unix://"):
		conn, err = net.Dial("unix", strings.TrimPrefix(addr, "unix://"))
	default:
		return nil, fmt.Errorf("address must be tcp://host:port or unix:///path, got %q", addr)
	}
	if err != nil {
		return nil, err
	}
	return rpc.NewClientWithCodec(goridgeRpc.NewClientCodec(conn)), nil
}

// echo calls Sys.Echo with in and checks that out comes back deep-equal.
func echo[T any](c *rpc.Client, in T) error {
	var out T
	if err := c.Call("Sys.Echo", in, &out); err != nil {
		return err
	}
	if !reflect.DeepEqual(in, out) {
		return fmt.Errorf("sent %#v, got %#v", in, out)
	}
	return nil
}

func expectError(c *rpc.Client, method string, arg any, want string) error {
	var out string
	err := c.Call(method, arg, &out)
	if err == nil {
		return fmt.Errorf("%s: expected error %q, got reply %q", method, want, out)
	}
	var se rpc.ServerError
	if !errors.As(err, &se) || err.Error() != want {
		return fmt.Errorf("%s: expected server error %q, got %T %q", method, want, err, err.Error())
	}
	return nil
}

func sequential(c *rpc.Client) {
	report("string", echo(c, "hello, goridge"))
	report("empty string", echo(c, ""))
	report("utf-8 string", echo(c, "a/b é 日本"))
	report("byte slice", echo(c, []byte{0, 1, 2, 250, 255}))
	report("int", echo(c, 42))
	report("negative int64", echo(c, int64(-9007199254740991)))
	report("float64", echo(c, 3.25))
	report("bool", echo(c, true))
	report("string slice", echo(c, []string{"a", "b", "c"}))
	report("map[string]string", echo(c, map[string]string{"topic": "orders", "key": "k1"}))
	report("map[string]int", echo(c, map[string]int{"a": 1, "b": -2}))
	report("struct", echo(c, Payload{
		ID: 7, Name: "order-7", Ratio: 0.5, Ok: true,
		Tags: []string{"x", "y"}, Data: []byte("raw\x00bytes"),
		Attrs: map[string]string{"source": "go"}, Inner: Inner{Label: "in", Count: 3},
	}))
	report("struct with zero fields", echo(c, Payload{Name: "only-name"}))

	var pong string
	err := c.Call("Sys.Ping", nil, &pong)
	if err == nil && pong != "pong" {
		err = fmt.Errorf("Sys.Ping answered %q", pong)
	}
	report("nil argument (Sys.Ping)", err)

	report("unknown method keeps the connection", expectError(c, "Sys.Nope", "x", "rpc: can't find method Sys.Nope"))
	report("unknown service keeps the connection", expectError(c, "Nope.Echo", "x", "rpc: can't find service Nope.Echo"))
	report("handler error text", expectError(c, "App.Fail", "x", "kafka: broker unavailable"))
	report("coded error with data: CODE: message, then the data line", expectError(c, "App.FailData", "x",
		"KAFKA_UNKNOWN_PARTITION: partition 7 of topic orders does not exist\n"+
			`data: {"topic":"orders","partition":7,"partitions":3}`))
	report("still usable after errors", echo(c, "after errors"))
}

// pipelined runs many calls at once on ONE connection: net/rpc writes each
// request as it is made and matches replies by seq, in whatever order they come.
func pipelined(c *rpc.Client) {
	const goroutines, calls = 32, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				var err error
				switch i % 3 {
				case 0:
					err = echo(c, fmt.Sprintf("g%d-%d", g, i))
				case 1:
					err = echo(c, map[string]string{"g": fmt.Sprint(g), "i": fmt.Sprint(i)})
				default:
					err = echo(c, Payload{ID: int64(g*1000 + i), Tags: []string{fmt.Sprint(i)}})
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("goroutine %d call %d: %w", g, i, err)
					}
					mu.Unlock()
					return
				}
			}
		}(g)
	}
	wg.Wait()
	report(fmt.Sprintf("pipelined %d calls on one connection", goroutines*calls), firstErr)

	// A slow call does not hold back a fast one behind it on the same connection.
	slow := c.Go("App.Sleep", "1500", new(bool), nil)
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	var fast string
	err := c.Call("Sys.Echo", "fast", &fast)
	took := time.Since(start)
	if err == nil && took > 750*time.Millisecond {
		err = fmt.Errorf("fast call took %v behind a 1500 ms call", took)
	}
	select {
	case <-slow.Done:
		if err == nil {
			err = errors.New("slow call finished before the fast one")
		}
	default:
	}
	<-slow.Done
	if err == nil && slow.Error != nil {
		err = slow.Error
	}
	report("out-of-order replies by seq", err)
}

func main() {
	addr := flag.String("addr", "tcp://127.0.0.1:6001", "daemon address")
	flag.Parse()
	c, err := dial(*addr)
	if err != nil {
		report("connect", err)
		os.Exit(1)
	}
	defer c.Close()
	sequential(c)
	pipelined(c)
	if failed {
		os.Exit(1)
	}
}
