// Command loadgen drives a Goridge v3 RPC server with the real Go client:
// net/rpc over github.com/roadrunner-server/goridge/v3 v3.8.3 pkg/rpc
// ClientCodec (gob bodies), the client RoadRunner's Go tools use.
//
//	loadgen -addr tcp://127.0.0.1:6001 -method Sys.Echo -conns 64 -inflight 1 -duration 4s
//
// conns connections, each with inflight goroutines calling in a loop (net/rpc
// pipelines the calls of one connection and matches replies by seq). Every
// call sends the same string and must get it back. After the warm-up it
// measures for the duration and prints one JSON line: rps, p50/p99 (ms),
// calls, errors.
//
// -connect-per-call: each of conns goroutines connects, makes one call and
// closes, in a loop (a PHP-FPM request without kept connections); a call's
// latency then includes connect and close.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	goridgeRpc "github.com/roadrunner-server/goridge/v3/pkg/rpc"
)

// bufferedConn reads through a bufio.Reader: the codec reads a frame in three
// small reads, which would otherwise be three syscalls per reply.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func dial(addr string) (net.Conn, error) {
	switch {
	case strings.HasPrefix(addr, "tcp://"):
		return net.Dial("tcp", strings.TrimPrefix(addr, "tcp://"))
	case strings.HasPrefix(addr, "unix://"):
		return net.Dial("unix", strings.TrimPrefix(addr, "unix://"))
	}
	return nil, fmt.Errorf("address must be tcp://host:port or unix:///path, got %q", addr)
}

type result struct {
	RPS    float64 `json:"rps"`
	P50    float64 `json:"p50"`
	P99    float64 `json:"p99"`
	Calls  int     `json:"calls"`
	Errors int64   `json:"errors"`
	// CPU this load generator spent per measured call (user + system, µs):
	// on a shared box, the client's own cost caps what any server can show.
	ClientCPUPerCall float64 `json:"client_us_per_call"`
}

func main() {
	addr := flag.String("addr", "tcp://127.0.0.1:6001", "server address")
	method := flag.String("method", "Sys.Echo", "echo method taking and returning a string")
	conns := flag.Int("conns", 64, "connections")
	inflight := flag.Int("inflight", 1, "calls in flight per connection")
	warmup := flag.Duration("warmup", time.Second, "warm-up (not measured)")
	duration := flag.Duration("duration", 4*time.Second, "measured time")
	payload := flag.String("payload", "hello from the goridge load generator", "string sent and echoed")
	buffered := flag.Bool("buffered", false, "read replies through a bufio.Reader (goridge's codec reads a frame in three reads)")
	perCall := flag.Bool("connect-per-call", false, "connect, make one call and close, in a loop, on each of conns goroutines")
	flag.Parse()
	if *perCall {
		*inflight = 1
	}
	open := func() (*rpc.Client, error) {
		conn, err := dial(*addr)
		if err != nil {
			return nil, err
		}
		var rwc io.ReadWriteCloser = conn
		if *buffered {
			rwc = bufferedConn{conn, bufio.NewReaderSize(conn, 64<<10)}
		}
		return rpc.NewClientWithCodec(goridgeRpc.NewClientCodec(rwc)), nil
	}

	clients := make([]*rpc.Client, *conns)
	for i := range clients {
		if *perCall {
			break
		}
		c, err := open()
		if err != nil {
			fmt.Fprintln(os.Stderr, "connect:", err)
			os.Exit(1)
		}
		clients[i] = c
	}
	// One call on a fresh connection, closed after the reply.
	callOnce := func(reply *string) error {
		c, err := open()
		if err != nil {
			return err
		}
		err = c.Call(*method, *payload, reply)
		if cerr := c.Close(); err == nil && cerr != nil && !errors.Is(cerr, rpc.ErrShutdown) {
			err = cerr
		}
		return err
	}

	var measuring, stop atomic.Bool
	var errCount atomic.Int64
	var firstErr atomic.Value
	workers := *conns * *inflight
	samples := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := clients[w%*conns]
			local := make([]time.Duration, 0, 1<<16)
			var reply string
			for !stop.Load() {
				start := time.Now()
				var err error
				if *perCall {
					err = callOnce(&reply)
				} else {
					err = c.Call(*method, *payload, &reply)
				}
				took := time.Since(start)
				if err == nil && reply != *payload {
					err = fmt.Errorf("echo mismatch: %q", reply)
				}
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					if !*perCall && (errors.Is(err, rpc.ErrShutdown) || errors.Is(err, io.ErrUnexpectedEOF)) {
						return
					}
					continue
				}
				if measuring.Load() {
					local = append(local, took)
				}
			}
			samples[w] = local
		}(w)
	}
	time.Sleep(*warmup)
	errCount.Store(0)
	cpuBefore := cpuTime()
	measuring.Store(true)
	began := time.Now()
	time.Sleep(*duration)
	measuring.Store(false)
	cpuSpent := cpuTime() - cpuBefore
	elapsed := time.Since(began)
	stop.Store(true)
	wg.Wait()
	for _, c := range clients {
		if c != nil {
			_ = c.Close()
		}
	}

	var all []time.Duration
	for _, s := range samples {
		all = append(all, s...)
	}
	if len(all) == 0 {
		fmt.Fprintln(os.Stderr, "no successful calls; first error:", firstErr.Load())
		os.Exit(1)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	out, _ := json.Marshal(result{
		RPS: float64(len(all)) / elapsed.Seconds(), P50: pct(0.50), P99: pct(0.99), Calls: len(all), Errors: errCount.Load(),
		ClientCPUPerCall: float64(cpuSpent.Microseconds()) / float64(len(all)),
	})
	fmt.Println(string(out))
	if e := firstErr.Load(); e != nil {
		fmt.Fprintln(os.Stderr, "first error:", e)
	}
}

// cpuTime is this process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
