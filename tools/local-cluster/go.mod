module middleware.local/tools/local-cluster

go 1.24.0

require (
	github.com/hanwen/go-fuse/v2 v2.12.1
	google.golang.org/grpc v1.72.1
	k8s.io/cri-api v0.33.13
)

require (
	github.com/gogo/protobuf v1.3.2 // indirect
	golang.org/x/net v0.38.0 // indirect
	golang.org/x/sys v0.31.0 // indirect
	golang.org/x/text v0.23.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20250218202821-56aae31c358a // indirect
	google.golang.org/protobuf v1.36.5 // indirect
)
