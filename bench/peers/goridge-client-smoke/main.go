// Command goridge-client-smoke calls the goridge-echo server with goridge v3's net/rpc client codec.
//
//	goridge-client-smoke -net tcp -addr 127.0.0.1:7001
//	goridge-client-smoke -net unix -addr /tmp/goridge-echo.sock
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/rpc"
	"reflect"

	goridgeRpc "github.com/roadrunner-server/goridge/v3/pkg/rpc"
)

type Payload struct {
	ID    int64
	Name  string
	Tags  []string
	Data  []byte
	Attrs map[string]string
}

func main() {
	network := flag.String("net", "tcp", "tcp or unix")
	addr := flag.String("addr", "127.0.0.1:7001", "address or socket path")
	flag.Parse()
	conn, err := net.Dial(*network, *addr)
	if err != nil {
		log.Fatal(err)
	}
	client := rpc.NewClientWithCodec(goridgeRpc.NewClientCodec(conn))
	defer client.Close()

	var s string
	if err := client.Call("App.Echo", "hello goridge", &s); err != nil || s != "hello goridge" {
		log.Fatalf("App.Echo: %q %v", s, err)
	}
	var b []byte
	if err := client.Call("App.EchoBytes", []byte{0, 1, 2, 255}, &b); err != nil || !reflect.DeepEqual(b, []byte{0, 1, 2, 255}) {
		log.Fatalf("App.EchoBytes: %v %v", b, err)
	}
	m := map[string]string{"k": "v", "x": "y"}
	var mo map[string]string
	if err := client.Call("App.EchoMap", m, &mo); err != nil || !reflect.DeepEqual(m, mo) {
		log.Fatalf("App.EchoMap: %v %v", mo, err)
	}
	p := Payload{ID: 42, Name: "n", Tags: []string{"a", "b"}, Data: []byte("d"), Attrs: map[string]string{"a": "1"}}
	var po Payload
	if err := client.Call("App.EchoStruct", p, &po); err != nil || !reflect.DeepEqual(p, po) {
		log.Fatalf("App.EchoStruct: %+v %v", po, err)
	}
	if err := client.Call("App.Error", "boom", &s); err == nil || err.Error() != "boom" {
		log.Fatalf("App.Error: expected error boom, got %v", err)
	}
	fmt.Printf("goridge smoke OK (%s %s): Echo, EchoBytes, EchoMap, EchoStruct, Error\n", *network, *addr)
}
