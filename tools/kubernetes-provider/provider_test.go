package main

import (
	"context"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/status"
)

const (
	configMapT   = "kubernetes:core/v1:ConfigMap"
	secretT      = "kubernetes:core/v1:Secret"
	serviceT     = "kubernetes:core/v1:Service"
	statefulSetT = "kubernetes:apps/v1:StatefulSet"
	jobT         = "kubernetes:batch/v1:Job"
	volumeT      = "kubernetes:core/v1:PersistentVolume"
	claimT       = "kubernetes:core/v1:PersistentVolumeClaim"
)

func TestRefusesTypesItDoesNotServe(t *testing.T) {
	p := configured(t)
	_, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn("kubernetes:apps/v1:Deployment", "web"), News: props(t, map[string]any{})})
	if err == nil || !strings.Contains(err.Error(), "kubernetes:apps/v1:Deployment is not supported") {
		t.Fatalf("want the type named in the refusal, got %v", err)
	}
}

func TestCheckNamesUnnamedObjectsStably(t *testing.T) {
	p := configured(t)
	check := func() string {
		res, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn(configMapT, "settings"), News: props(t, map[string]any{"data": map[string]any{"a": "1"}}), RandomSeed: []byte("seed")})
		if err != nil {
			t.Fatal(err)
		}
		return outputs(t, res.GetInputs()).str("metadata.name")
	}
	first, second := check(), check()
	if !strings.HasPrefix(first, "settings-") || len(first) != len("settings-")+8 || first != second {
		t.Fatalf("want settings-<8 hex>, the same twice; got %q and %q", first, second)
	}
}

func TestConfigMapLifecycle(t *testing.T) {
	p := configured(t)
	inputs := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("lifecycle"), "data": map[string]any{"k": "v1"}}
	created := mustCreate(t, p, configMapT, "lifecycle", inputs)
	if created.GetId() != testNS+"/lifecycle" {
		t.Fatalf("id %q", created.GetId())
	}
	olds := props(t, inputs)
	same, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn(configMapT, "lifecycle"), OldInputs: olds, News: olds})
	if err != nil || same.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("no change must diff as none: %v %v", same, err)
	}
	// Someone edits it by hand: a refresh reports the live value in the inputs it manages.
	if out, err := kubectl("-n", testNS, "patch", "configmap", "lifecycle", "-p", `{"data":{"k":"edited"}}`); err != nil {
		t.Fatal(out)
	}
	read, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Urn: urn(configMapT, "lifecycle"), Id: created.GetId(), Inputs: olds, Properties: created.GetProperties()})
	if err != nil {
		t.Fatal(err)
	}
	if got := outputs(t, read.GetInputs()).str("data.k"); got != "edited" {
		t.Fatalf("refresh must see the drift, inputs data.k = %q", got)
	}
	inputs["data"] = map[string]any{"k": "v2"}
	news := props(t, inputs)
	diff, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn(configMapT, "lifecycle"), OldInputs: olds, News: news})
	if err != nil || diff.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(diff.GetReplaces()) != 0 || diff.GetDetailedDiff()["data.k"] == nil {
		t.Fatalf("data change must update in place at data.k: %v %v", diff, err)
	}
	updated, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urn(configMapT, "lifecycle"), Id: created.GetId(), Olds: created.GetProperties(), News: news})
	if err != nil || outputs(t, updated.GetProperties()).str("data.k") != "v2" {
		t.Fatalf("update: %v %v", updated, err)
	}
	remove(t, p, configMapT, "lifecycle", created.GetId())
	if out, _ := kubectl("-n", testNS, "get", "configmap", "lifecycle"); !strings.Contains(out, "NotFound") {
		t.Fatalf("delete must leave nothing: %s", out)
	}
	gone, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Urn: urn(configMapT, "lifecycle"), Id: created.GetId(), Inputs: news})
	if err != nil || gone.GetId() != "" {
		t.Fatalf("reading a deleted object must return no id: %v %v", gone, err)
	}
}

func TestCreateRefusesAnObjectItDidNotMake(t *testing.T) {
	p := configured(t)
	if out, err := kubectl("-n", testNS, "create", "configmap", "foreign"); err != nil {
		t.Fatal(out)
	}
	_, err := create(t, p, configMapT, "foreign", map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("foreign")}, 30)
	if err == nil || !strings.Contains(err.Error(), "already exists; import it") {
		t.Fatalf("want a refusal naming import, got %v", err)
	}
}

func TestSecretsStaySecretInOutputs(t *testing.T) {
	p := configured(t)
	inputs := map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": meta("creds"), "stringData": map[string]any{"password": secretValue("hunter2-hunter2")}}
	created := mustCreate(t, p, secretT, "creds", inputs)
	out := outputs(t, created.GetProperties())
	for _, key := range []string{"data", "stringData"} {
		if v, ok := out[resourceKey(key)]; !ok || !v.IsSecret() {
			t.Fatalf("output %s must be a secret, got %v", key, v)
		}
	}
	remove(t, p, secretT, "creds", created.GetId())
}

func TestReplaceRules(t *testing.T) {
	p := configured(t)
	cases := []struct {
		name, token string
		old, new    map[string]any
		replaces    string
	}{
		{"StatefulSet serviceName", statefulSetT, map[string]any{"spec": map[string]any{"serviceName": "a"}}, map[string]any{"spec": map[string]any{"serviceName": "b"}}, "spec.serviceName"},
		{"StatefulSet selector", statefulSetT, map[string]any{"spec": map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"app": "a"}}}}, map[string]any{"spec": map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"app": "b"}}}}, "spec.selector.matchLabels.app"},
		{"StatefulSet volumeClaimTemplates", statefulSetT, map[string]any{"spec": map[string]any{"volumeClaimTemplates": []any{map[string]any{"metadata": map[string]any{"name": "data"}}}}}, map[string]any{"spec": map[string]any{"volumeClaimTemplates": []any{map[string]any{"metadata": map[string]any{"name": "other"}}}}}, "spec.volumeClaimTemplates[0].metadata.name"},
		{"StatefulSet podManagementPolicy", statefulSetT, map[string]any{"spec": map[string]any{"podManagementPolicy": "OrderedReady"}}, map[string]any{"spec": map[string]any{"podManagementPolicy": "Parallel"}}, "spec.podManagementPolicy"},
		{"PersistentVolume source", volumeT, map[string]any{"spec": map[string]any{"nfs": map[string]any{"server": "a", "path": "/x"}}}, map[string]any{"spec": map[string]any{"nfs": map[string]any{"server": "b", "path": "/x"}}}, "spec.nfs.server"},
		{"PersistentVolumeClaim class", claimT, map[string]any{"spec": map[string]any{"storageClassName": "a"}}, map[string]any{"spec": map[string]any{"storageClassName": "b"}}, "spec.storageClassName"},
		{"Job template", jobT, map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"restartPolicy": "Never"}}}}, map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"restartPolicy": "OnFailure"}}}}, "spec.template.spec.restartPolicy"},
		{"Service clusterIP", serviceT, map[string]any{"spec": map[string]any{"clusterIP": "None"}}, map[string]any{"spec": map[string]any{"clusterIP": "10.96.0.50"}}, "spec.clusterIP"},
		{"immutable ConfigMap data", configMapT, map[string]any{"immutable": true, "data": map[string]any{"a": "1"}}, map[string]any{"immutable": true, "data": map[string]any{"a": "2"}}, "data.a"},
		{"Secret type", secretT, map[string]any{"type": "Opaque"}, map[string]any{"type": "kubernetes.io/tls"}, "type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.old["metadata"], c.new["metadata"] = meta("x"), meta("x")
			diff, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn(c.token, "x"), OldInputs: props(t, c.old), News: props(t, c.new)})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(diff.GetReplaces(), ",") != c.replaces || !diff.GetDeleteBeforeReplace() {
				t.Fatalf("want replace of %s, deleted first (same name); got %v dbr=%v", c.replaces, diff.GetReplaces(), diff.GetDeleteBeforeReplace())
			}
			if diff.GetDetailedDiff()[c.replaces].GetKind() != pulumirpc.PropertyDiff_UPDATE_REPLACE {
				t.Fatalf("detailed diff must name %s as UPDATE_REPLACE: %v", c.replaces, diff.GetDetailedDiff())
			}
		})
	}
	t.Run("PersistentVolumeClaim size updates in place", func(t *testing.T) {
		size := func(s string) map[string]any {
			return map[string]any{"metadata": meta("x"), "spec": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": s}}}}
		}
		diff, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn(claimT, "x"), OldInputs: props(t, size("1Gi")), News: props(t, size("2Gi"))})
		if err != nil || diff.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(diff.GetReplaces()) != 0 {
			t.Fatalf("want an in-place update, got %v %v", diff, err)
		}
	})
	t.Run("a new name replaces, creating first", func(t *testing.T) {
		diff, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn(configMapT, "x"), OldInputs: props(t, map[string]any{"metadata": meta("a")}), News: props(t, map[string]any{"metadata": meta("b")})})
		if err != nil || strings.Join(diff.GetReplaces(), ",") != "metadata.name" || diff.GetDeleteBeforeReplace() {
			t.Fatalf("want replace of metadata.name without delete-first, got %v %v", diff, err)
		}
	})
}

func TestStatefulSetAwaitsReadyReplicas(t *testing.T) {
	p := configured(t)
	image := nodeImage(t)
	sts := func(name, img string) map[string]any {
		spec := podSpec(img, "-dns.port", "1053")
		spec["restartPolicy"] = "Always"
		return map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta(name), "spec": map[string]any{
			"serviceName": name, "replicas": 2, "podManagementPolicy": "Parallel",
			"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name}}, "spec": spec},
		}}
	}
	started := time.Now()
	created := mustCreate(t, p, statefulSetT, "ready", sts("ready", image))
	if out := outputs(t, created.GetProperties()); out.get("status.readyReplicas").NumberValue() != 2 {
		t.Fatalf("create returned before 2 replicas were ready: %v", out.get("status"))
	}
	t.Logf("StatefulSet of 2 ready in %s", time.Since(started).Round(time.Millisecond))

	// An image that is not on the node and may not be pulled never gets ready: a time-out that
	// names the object and the count, and the object recorded so the next update waits again.
	_, err := create(t, p, statefulSetT, "unready", sts("unready", "middleware.local/absent:1"), 8)
	if err == nil || !strings.Contains(err.Error(), `StatefulSet "`+testNS+`/unready" not ready after 8s: 0/2 replicas ready`) {
		t.Fatalf("want a time-out naming 0/2 replicas, got %v", err)
	}
	detail := initFailure(t, err)
	if detail.GetId() != testNS+"/unready" || detail.GetProperties() == nil {
		t.Fatalf("the unready object must be recorded with its id and outputs: %v", detail)
	}
	remove(t, p, statefulSetT, "unready", detail.GetId())
	remove(t, p, statefulSetT, "ready", created.GetId())
	if out, _ := kubectl("-n", testNS, "get", "pods", "-l", "app=ready", "-o", "name"); strings.TrimSpace(out) != "" {
		t.Fatalf("delete must wait for the pods (foreground): %s", out)
	}
}

func TestJobAwaitsCompletionAndFailsFast(t *testing.T) {
	p := configured(t)
	image := nodeImage(t)
	job := func(name string, args ...string) map[string]any {
		return map[string]any{"apiVersion": "batch/v1", "kind": "Job", "metadata": meta(name), "spec": map[string]any{
			"backoffLimit": 0, "template": map[string]any{"spec": podSpec(image, args...)},
		}}
	}
	created := mustCreate(t, p, jobT, "completes", job("completes", "-version"))
	if status, _ := condition(unstructuredOf(t, created.GetProperties()), "Complete"); status != "True" {
		t.Fatalf("create must return once Complete=True")
	}
	started := time.Now()
	_, err := create(t, p, jobT, "fails", job("fails", "-no-such-flag"), 120)
	if err == nil || !strings.Contains(err.Error(), `Job "`+testNS+`/fails" failed: condition Failed`) {
		t.Fatalf("want the Failed condition reported, got %v", err)
	}
	if waited := time.Since(started); waited > 90*time.Second {
		t.Fatalf("a failed Job must fail at once, not at the time-out (%s)", waited)
	}
	remove(t, p, jobT, "fails", initFailure(t, err).GetId())
	remove(t, p, jobT, "completes", created.GetId())
}

func TestServiceAwaitsEndpointsUnlessHeadlessOrSkipped(t *testing.T) {
	p := configured(t)
	service := func(name, clusterIP string, annotations map[string]any) map[string]any {
		spec := map[string]any{"selector": map[string]any{"app": "nobody-" + name}, "ports": []any{map[string]any{"port": 53}}}
		if clusterIP != "" {
			spec["clusterIP"] = clusterIP
		}
		return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": meta(name, map[string]any{"annotations": annotations}), "spec": spec}
	}
	headless := mustCreate(t, p, serviceT, "headless", service("headless", "None", map[string]any{}))
	skipped := mustCreate(t, p, serviceT, "skipped", service("skipped", "", map[string]any{"pulumi.com/skipAwait": "true"}))
	_, err := create(t, p, serviceT, "empty", service("empty", "", map[string]any{}), 5)
	if err == nil || !strings.Contains(err.Error(), "does not target any ready Pods") {
		t.Fatalf("a Service selecting no pod must time out saying so, got %v", err)
	}
	for name, id := range map[string]string{"headless": headless.GetId(), "skipped": skipped.GetId(), "empty": initFailure(t, err).GetId()} {
		remove(t, p, serviceT, name, id)
	}
}

func TestVolumeAvailableThenClaimBound(t *testing.T) {
	p := configured(t)
	pv := map[string]any{"apiVersion": "v1", "kind": "PersistentVolume",
		"metadata": meta(testNS+"-pv", map[string]any{"labels": map[string]any{"provider-test": testNS}}),
		"spec": map[string]any{
			"capacity": map[string]any{"storage": "16Mi"}, "accessModes": []any{"ReadWriteOnce"}, "storageClassName": "",
			"persistentVolumeReclaimPolicy": "Retain", "hostPath": map[string]any{"path": "/tmp/" + testNS},
			"claimRef": map[string]any{"namespace": testNS, "name": "claim"},
		}}
	pv["metadata"].(map[string]any)["annotations"] = map[string]any{}
	volume := mustCreate(t, p, volumeT, "pv", pv)
	if phase := outputs(t, volume.GetProperties()).str("status.phase"); phase != "Available" {
		t.Fatalf("a pre-bound volume waits Available, got %q", phase)
	}
	// The API server stores "" and {} by leaving the field out; a refresh must not call that drift.
	olds := props(t, pv)
	read, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Urn: urn(volumeT, "pv"), Id: volume.GetId(), Inputs: olds, Properties: volume.GetProperties()})
	if err != nil {
		t.Fatal(err)
	}
	drift, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn(volumeT, "pv"), OldInputs: read.GetInputs(), News: olds})
	if err != nil || drift.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("refresh right after create must find no drift, got %v %v", drift.GetDetailedDiff(), err)
	}
	claim := mustCreate(t, p, claimT, "claim", map[string]any{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("claim"),
		"spec": map[string]any{"accessModes": []any{"ReadWriteOnce"}, "storageClassName": "", "resources": map[string]any{"requests": map[string]any{"storage": "16Mi"}}}})
	if phase := outputs(t, claim.GetProperties()).str("status.phase"); phase != "Bound" {
		t.Fatalf("create of a claim returns once Bound, got %q", phase)
	}
	remove(t, p, claimT, "claim", claim.GetId())
	remove(t, p, volumeT, "pv", volume.GetId())
}

func initFailure(t *testing.T, err error) *pulumirpc.ErrorResourceInitFailed {
	t.Helper()
	for _, d := range status.Convert(err).Details() {
		if f, ok := d.(*pulumirpc.ErrorResourceInitFailed); ok {
			return f
		}
	}
	t.Fatalf("error carries no ErrorResourceInitFailed: %v", err)
	return nil
}
