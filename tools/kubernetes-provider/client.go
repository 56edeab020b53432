package main

import (
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// connect builds a client from the provider's kubeconfig setting (a path or the file's content;
// empty: $KUBECONFIG or ~/.kube/config) and context, and returns the context's namespace.
func connect(kubeconfig, context string) (dynamic.Interface, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	var config clientcmd.ClientConfig
	if kubeconfig != "" && (strings.Contains(kubeconfig, "\n") || strings.HasPrefix(strings.TrimSpace(kubeconfig), "{")) {
		raw, err := clientcmd.Load([]byte(kubeconfig))
		if err != nil {
			return nil, "", fmt.Errorf("kubernetes:kubeconfig is not a valid kubeconfig: %w", err)
		}
		config = clientcmd.NewDefaultClientConfig(*raw, overrides)
	} else {
		if kubeconfig != "" {
			if _, err := os.Stat(kubeconfig); err != nil {
				return nil, "", fmt.Errorf("kubernetes:kubeconfig %q: %w", kubeconfig, err)
			}
			rules.ExplicitPath = kubeconfig
		}
		config = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	}
	rest, err := config.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("no usable kubeconfig (set kubernetes:kubeconfig or KUBECONFIG): %w", err)
	}
	namespace, _, err := config.Namespace()
	if err != nil || namespace == "" {
		namespace = "default"
	}
	client, err := dynamic.NewForConfig(rest)
	if err != nil {
		return nil, "", err
	}
	return client, namespace, nil
}
