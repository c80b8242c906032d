// Command goridge-echo is the reference Go goridge RPC server for Outrigger interop tests and
// benches: Go's net/rpc served through goridge v3's codec (github.com/roadrunner-server/goridge/v3/pkg/rpc),
// the same stack RoadRunner uses for its RPC plugin. It listens on TCP and/or a unix socket:
//
//	goridge-echo -tcp 127.0.0.1:7001 -unix /tmp/goridge-echo.sock
//
// Service "App" (net/rpc method names "App.<Method>"):
//
//	App.Echo(string) string                          any codec (JSON/msgpack/gob from clients)
//	App.EchoBytes([]byte) []byte                     raw codec (frame flag CodecRaw) or gob
//	App.EchoMap(map[string]string) map[string]string (gob needs concrete types, so no map[string]any)
//	App.EchoStruct(Payload) Payload                  JSON/msgpack field names: id, name, tags, data, attrs
//	App.Error(string) -> error                       always fails with the given message (tests the error path)
//
// The response uses the codec of the request. Prints one "goridge-echo listening ..." line when ready;
// SIGTERM/SIGINT close the listeners and remove the unix socket file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/rpc"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	goridgeRpc "github.com/roadrunner-server/goridge/v3/pkg/rpc"
)

// Payload is the struct used by App.EchoStruct.
type Payload struct {
	ID    int64             `json:"id" msgpack:"id"`
	Name  string            `json:"name" msgpack:"name"`
	Tags  []string          `json:"tags" msgpack:"tags"`
	Data  []byte            `json:"data" msgpack:"data"`
	Attrs map[string]string `json:"attrs" msgpack:"attrs"`
}

// App is the RPC service.
type App struct{}

// Echo returns its argument.
func (a *App) Echo(in string, out *string) error { *out = in; return nil }

// EchoBytes returns its argument.
func (a *App) EchoBytes(in []byte, out *[]byte) error { *out = append((*out)[:0], in...); return nil }

// EchoMap returns its argument.
func (a *App) EchoMap(in map[string]string, out *map[string]string) error { *out = in; return nil }

// EchoStruct returns its argument.
func (a *App) EchoStruct(in Payload, out *Payload) error { *out = in; return nil }

// Error always fails with the given message.
func (a *App) Error(msg string, _ *string) error { return errors.New(msg) }

func serve(l net.Listener, srv *rpc.Server, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Printf("accept on %s: %v", l.Addr(), err)
			continue
		}
		go srv.ServeCodec(goridgeRpc.NewCodec(conn))
	}
}

func main() {
	tcpAddr := flag.String("tcp", "127.0.0.1:7001", "TCP listen address (empty to disable)")
	unixPath := flag.String("unix", "", "unix socket path (empty to disable)")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if *tcpAddr == "" && *unixPath == "" {
		log.Fatal("need -tcp and/or -unix")
	}

	srv := rpc.NewServer()
	if err := srv.RegisterName("App", new(App)); err != nil {
		log.Fatal(err)
	}

	var listeners []net.Listener
	var desc []string
	if *tcpAddr != "" {
		l, err := net.Listen("tcp", *tcpAddr)
		if err != nil {
			log.Fatalf("listen tcp %s: %v", *tcpAddr, err)
		}
		listeners = append(listeners, l)
		desc = append(desc, "tcp="+l.Addr().String())
	}
	if *unixPath != "" {
		if err := os.Remove(*unixPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			log.Fatalf("remove stale %s: %v", *unixPath, err)
		}
		l, err := net.Listen("unix", *unixPath)
		if err != nil {
			log.Fatalf("listen unix %s: %v", *unixPath, err)
		}
		listeners = append(listeners, l)
		desc = append(desc, "unix="+*unixPath)
	}

	var wg sync.WaitGroup
	for _, l := range listeners {
		wg.Add(1)
		go serve(l, srv, &wg)
	}
	fmt.Printf("goridge-echo listening %s\n", strings.Join(desc, " "))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	for _, l := range listeners {
		_ = l.Close() // also unlinks the unix socket file
	}
	wg.Wait()
}
