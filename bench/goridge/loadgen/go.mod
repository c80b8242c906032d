module outrigger.local/bench/goridge

go 1.22

require github.com/roadrunner-server/goridge/v3 v3.8.3

require (
	github.com/goccy/go-json v0.10.3 // indirect
	github.com/roadrunner-server/errors v1.4.0 // indirect
	github.com/vmihailenco/msgpack/v5 v5.4.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	google.golang.org/protobuf v1.34.2 // indirect
)
