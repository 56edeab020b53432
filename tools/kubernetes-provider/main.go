// pulumi-resource-kubernetes, an offline stand-in: the real plugin cannot be obtained on machines
// without internet (the module proxy refuses every pulumi provider module), so this small gRPC
// provider serves the resource types the program registers, with the real plugin's semantics:
// server-side apply under one field manager, replacement where Kubernetes refuses a change in
// place, the await rules the @pulumi/kubernetes SDK documents, and delete that waits until the
// object is gone. It is installed only where the real plugin of the same version is absent.
package main

import "middleware.local/tools/plugin-support/serve"

// version is the @pulumi/kubernetes version package.json pins, stamped at build time.
var version = "0.0.0"

func main() {
	serve.Main("pulumi-resource-kubernetes", &provider{Base: serve.Base{Version: version}})
}
