package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"middleware.local/tools/plugin-support/clustertest"
)

// The tests run against the local cluster (scripts/local-cluster), which TestMain ensures.
var (
	clusterEnv map[string]string
	testNS     = fmt.Sprintf("provider-test-%d", os.Getpid())
)

func TestMain(m *testing.M) {
	clustertest.Run(m, "../../scripts/local-cluster", func(env map[string]string) error {
		clusterEnv = env
		return nil
	}, func() {
		kubectl("delete", "namespace", testNS, "--ignore-not-found", "--wait=true", "--timeout=120s")
		kubectl("delete", "pv", "-l", "provider-test="+testNS, "--ignore-not-found")
	})
}

func kubectl(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(clusterEnv["TOOLS_BIN"], "kubectl"), append([]string{"--kubeconfig", clusterEnv["KUBECONFIG"]}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// configured is a provider configured as the engine would, with the cluster's kubeconfig path.
func configured(t *testing.T) *provider {
	t.Helper()
	p := &provider{}
	vars := map[string]string{"kubernetes:config:kubeconfig": clusterEnv["KUBECONFIG"], "kubernetes:config:namespace": testNS}
	if _, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Variables: vars}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if _, err := kubectl("create", "namespace", testNS); err != nil {
		_, _ = kubectl("get", "namespace", testNS) // already there from an earlier test
	}
	return p
}

func urn(token, name string) string {
	return fmt.Sprintf("urn:pulumi:test::provider-test::%s::%s", token, name)
}

// props marshals a plain map as the engine sends it; values wrapped with secret() are secrets.
func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := object(resource.NewPropertyMapFromMapRepl(m, nil, func(v any) (resource.PropertyValue, bool) {
		if s, ok := v.(secretValue); ok {
			return resource.MakeSecret(resource.NewPropertyValue(string(s))), true
		}
		return resource.PropertyValue{}, false
	})).marshal()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type secretValue string

func outputs(t *testing.T, s *structpb.Struct) object {
	t.Helper()
	o, err := unmarshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// create runs Check then Create, as `pulumi up` does, and fails the test on error.
func create(t *testing.T, p *provider, token, name string, inputs map[string]any, timeout float64) (*pulumirpc.CreateResponse, error) {
	t.Helper()
	checked, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn(token, name), News: props(t, inputs), RandomSeed: []byte(name)})
	if err != nil {
		t.Fatalf("Check %s: %v", name, err)
	}
	return p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn(token, name), Properties: checked.GetInputs(), Timeout: timeout})
}

func mustCreate(t *testing.T, p *provider, token, name string, inputs map[string]any) *pulumirpc.CreateResponse {
	t.Helper()
	res, err := create(t, p, token, name, inputs, 120)
	if err != nil {
		t.Fatalf("Create %s: %v", name, err)
	}
	return res
}

func remove(t *testing.T, p *provider, token, name, id string) {
	t.Helper()
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: urn(token, name), Id: id, Timeout: 120}); err != nil {
		t.Fatalf("Delete %s: %v", id, err)
	}
}

func meta(name string, extra ...map[string]any) map[string]any {
	m := map[string]any{"name": name}
	for _, e := range extra {
		for k, v := range e {
			m[k] = v
		}
	}
	return m
}

// Images the node already holds (scripts/local-cluster imported them): no registry needed here.
func nodeImage(t *testing.T) string {
	t.Helper()
	out, err := kubectl("-n", "kube-system", "get", "pods", "-o", "jsonpath={.items[0].spec.containers[0].image}")
	if err != nil || !strings.Contains(out, "coredns") {
		t.Fatalf("no CoreDNS pod to learn the image from: %v %s", err, out)
	}
	return out
}

// podSpec runs CoreDNS's binary (on the node already) with the given args, hardened.
func podSpec(image string, args ...string) map[string]any {
	return map[string]any{
		"restartPolicy":   "Never",
		"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
		"containers": []any{map[string]any{
			"name": "main", "image": image, "imagePullPolicy": "Never", "args": toAny(args),
			"securityContext": map[string]any{"allowPrivilegeEscalation": false, "capabilities": map[string]any{"drop": []any{"ALL"}}},
		}},
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func resourceKey(k string) resource.PropertyKey { return resource.PropertyKey(k) }

func unstructuredOf(t *testing.T, s *structpb.Struct) *unstructured.Unstructured {
	t.Helper()
	m, err := outputs(t, s).plain()
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}
