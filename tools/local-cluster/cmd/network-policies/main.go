// network-policies enforces NetworkPolicy on the local cluster's node: the engine of
// sigs.k8s.io/kube-network-policies (its informers, its rules, its verdict on each new
// connection), run as a host process like kube-proxy, since the cluster admits no privileged pod.
// scripts/install/install-tools builds it with ../../patches/kube-network-policies.patch: this
// kernel lacks the native nft `queue` expression, so the engine's rules queue packets through the
// xtables NFQUEUE target instead; and v0.8.0 with NRI off dereferenced its absent NRI plugin for
// any address its pod informer did not know (crashing, and so dropping every judged connection). Fails closed: if this process dies, new connections to and from
// the pods a policy selects are dropped until it is back; stopped with SIGTERM, it removes its rules.
package main

import (
	"context"
	"flag"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sys/unix"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the node's identity (required)")
	node := flag.String("hostname-override", "", "name of the Node whose pods this process guards (required)")
	metrics := flag.String("metrics-bind-address", "127.0.0.1:9080", "address of the /metrics endpoint")
	klog.InitFlags(nil)
	flag.Parse()
	if *kubeconfig == "" || *node == "" {
		klog.Fatal("--kubeconfig and --hostname-override are required")
	}
	os.Exit(run(*kubeconfig, *node, *metrics))
}

func run(kubeconfig, node, metrics string) int {
	ctx, cancel := signal.NotifyContext(context.Background(), unix.SIGINT, unix.SIGTERM)
	defer cancel()
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		klog.ErrorS(err, "reading the kubeconfig", "path", kubeconfig)
		return 1
	}
	config.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	config.ContentType = "application/vnd.kubernetes.protobuf"
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		klog.ErrorS(err, "creating the API client")
		return 1
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	controller, err := networkpolicy.NewController(
		client,
		factory.Networking().V1().NetworkPolicies(),
		factory.Core().V1().Namespaces(),
		factory.Core().V1().Pods(),
		nil, nil, nil, nil, // nodes and the admin policy API: only for AdminNetworkPolicy, which stays off
		networkpolicy.Config{
			NodeName: node,
			// Containerd 1.6 has no NRI; pod addresses come from the API server.
			NRIdisabled: true,
			// The DNS workaround queues UDP to port 53 on PREROUTING; kept as upstream runs it.
			NetfilterBug1766Fix: true,
		},
	)
	if err != nil {
		klog.ErrorS(err, "creating the controller")
		return 1
	}
	http.Handle("/metrics", promhttp.Handler())
	server := &http.Server{Addr: metrics, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			klog.ErrorS(err, "serving metrics", "address", metrics)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- controller.Run(ctx) }()
	factory.Start(ctx.Done())
	select {
	case <-ctx.Done():
		// Run removes the engine's nftables table when its context ends.
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		return 0
	case err := <-done:
		klog.ErrorS(err, "the controller stopped")
		return 1
	}
}
