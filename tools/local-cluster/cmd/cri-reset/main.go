// Command cri-reset stops and removes every pod sandbox of one CRI runtime, the way the kubelet
// does when a pod is deleted: each sandbox's containers are stopped, its CNI network is torn down
// (veth, IP lease) and its network namespace removed. `scripts/local-cluster down` runs it before
// stopping containerd so nothing of a pod outlives the cluster. crictl would do the same, but its
// module is not served to these machines.
//
// Usage: cri-reset unix:///path/to/containerd.sock
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cri-reset unix:///path/to/containerd.sock")
		os.Exit(2)
	}
	if err := reset(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "cri-reset:", err)
		os.Exit(1)
	}
}

func reset(endpoint string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connect %s: %w", endpoint, err)
	}
	defer conn.Close()
	client := runtime.NewRuntimeServiceClient(conn)
	sandboxes, err := client.ListPodSandbox(ctx, &runtime.ListPodSandboxRequest{})
	if err != nil {
		return fmt.Errorf("list pod sandboxes at %s: %w", endpoint, err)
	}
	var failed []string
	for _, sandbox := range sandboxes.Items {
		name := sandbox.Metadata.Namespace + "/" + sandbox.Metadata.Name
		if _, err := client.StopPodSandbox(ctx, &runtime.StopPodSandboxRequest{PodSandboxId: sandbox.Id}); err != nil {
			failed = append(failed, fmt.Sprintf("stop %s: %v", name, err))
			continue
		}
		if _, err := client.RemovePodSandbox(ctx, &runtime.RemovePodSandboxRequest{PodSandboxId: sandbox.Id}); err != nil {
			failed = append(failed, fmt.Sprintf("remove %s: %v", name, err))
		}
	}
	fmt.Printf("cri-reset: removed %d of %d pod sandboxes\n", len(sandboxes.Items)-len(failed), len(sandboxes.Items))
	if len(failed) > 0 {
		return fmt.Errorf("%d sandboxes left: %v", len(failed), failed)
	}
	return nil
}
