// pulumi-resource-kubernetes, an offline stand-in: the real plugin cannot be obtained on machines
// without internet (the module proxy refuses every pulumi provider module), so this small gRPC
// provider serves the resource types the program registers, with the real plugin's semantics:
// server-side apply under one field manager, replacement where Kubernetes refuses a change in
// place, the await rules the @pulumi/kubernetes SDK documents, and delete that waits until the
// object is gone. It is installed only where the real plugin of the same version is absent.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is the @pulumi/kubernetes version package.json pins, stamped at build time.
var version = "0.0.0"

func main() {
	p := &provider{}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(s, p)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-kubernetes: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-kubernetes: %v\n", err)
		os.Exit(1)
	}
}
