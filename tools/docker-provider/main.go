// pulumi-resource-docker, an offline stand-in: the real plugin cannot be obtained on machines
// without internet (the module proxy refuses every pulumi provider module), so this small gRPC
// provider serves the one resource type the program registers, docker:index/image:Image, with the
// real plugin's contract: build with the machine's Docker engine, push with the given registry
// credentials, outputs as the SDK declares them, and a diff on the build context's content.
// It is installed only where the real plugin of the same version is absent.
package main

import "middleware.local/tools/plugin-support/serve"

// version is the @pulumi/docker version package.json pins, stamped at build time.
var version = "0.0.0"

func main() {
	serve.Main("pulumi-resource-docker", &provider{Base: serve.Base{Version: version}})
}
