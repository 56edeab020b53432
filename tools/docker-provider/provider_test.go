package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
	"middleware.local/tools/plugin-support/clustertest"
)

// The registry of the local cluster (scripts/local-cluster) stands in for Harbor: TLS, htpasswd.
var registry map[string]string

func TestMain(m *testing.M) {
	clustertest.Run(m, "../../scripts/local-cluster", func(env map[string]string) error {
		password, err := os.ReadFile(env["REGISTRY_PASSWORD_FILE"])
		env["PASSWORD"] = string(password)
		registry = env
		return err
	}, nil)
}

const urn = "urn:pulumi:test::docker-test::docker:index/image:Image::app"

// buildContext is a fresh context directory with a Dockerfile on an empty base and one file.
func buildContext(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"Dockerfile": "FROM scratch\nCOPY greeting /greeting\n", "greeting": content, ".dockerignore": "notes/\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func inputs(t *testing.T, dir, tag, password string) *structpb.Struct {
	t.Helper()
	m := resource.PropertyMap{
		"imageName": resource.NewStringProperty(registry["REGISTRY"] + "/provider-test/greeting:" + tag),
		"build": resource.NewObjectProperty(resource.PropertyMap{
			"context": resource.NewStringProperty(dir), "dockerfile": resource.NewStringProperty(filepath.Join(dir, "Dockerfile")),
			"platform": resource.NewStringProperty("linux/amd64"),
		}),
		"registry": resource.NewObjectProperty(resource.PropertyMap{
			"server": resource.NewStringProperty(registry["REGISTRY"]), "username": resource.NewStringProperty(registry["REGISTRY_USER"]),
			"password": resource.MakeSecret(resource.NewStringProperty(password)),
		}),
	}
	s, err := marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func check(t *testing.T, p *provider, news *structpb.Struct) *pulumirpc.CheckResponse {
	t.Helper()
	res, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: news})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRefusesOtherTypes(t *testing.T) {
	_, err := (&provider{}).Check(context.Background(), &pulumirpc.CheckRequest{Urn: "urn:pulumi:test::x::docker:index/container:Container::c"})
	if err == nil || !strings.Contains(err.Error(), "docker:index/container:Container is not supported") {
		t.Fatalf("want the type named, got %v", err)
	}
}

func TestCheckNamesWhatCannotBeBuiltOrPushed(t *testing.T) {
	empty, _ := marshal(resource.PropertyMap{})
	res := check(t, &provider{}, empty)
	var got []string
	for _, f := range res.GetFailures() {
		got = append(got, f.GetProperty())
	}
	if strings.Join(got, ",") != "imageName,build,registry.server" {
		t.Fatalf("want failures for imageName, build, registry.server; got %v", res.GetFailures())
	}
}

func TestBuildsPushesAndDiffsOnContent(t *testing.T) {
	p := &provider{}
	dir := buildContext(t, "hello\n")
	checked := check(t, p, inputs(t, dir, "v1", registry["PASSWORD"]))
	if len(checked.GetFailures()) > 0 {
		t.Fatalf("unexpected failures %v", checked.GetFailures())
	}
	created, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Properties: checked.GetInputs()})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := unmarshal(created.GetProperties())
	digest := out["repoDigest"].StringValue()
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(registry["REGISTRY"]) + `/provider-test/greeting@sha256:[0-9a-f]{64}$`).MatchString(digest) {
		t.Fatalf("repoDigest %q", digest)
	}
	if !out["registry"].ObjectValue()["password"].IsSecret() {
		t.Fatal("the registry password must stay a secret in the outputs")
	}
	// The registry itself serves that digest to an authenticated client.
	manifest := exec.Command("curl", "-sf", "-o", "/dev/null", "--cacert", registry["CA_FILE"], "-K", "-",
		"-H", "Accept: application/vnd.docker.distribution.manifest.v2+json",
		"https://"+registry["REGISTRY"]+"/v2/provider-test/greeting/manifests/"+strings.SplitN(digest, "@", 2)[1])
	manifest.Stdin = strings.NewReader(fmt.Sprintf("user = \"%s:%s\"\n", registry["REGISTRY_USER"], registry["PASSWORD"]))
	if err := manifest.Run(); err != nil {
		t.Fatalf("the registry does not serve %s: %v", digest, err)
	}
	if home, _ := os.UserHomeDir(); fileContains(filepath.Join(home, ".docker", "config.json"), registry["REGISTRY"]) {
		t.Fatal("credentials for the registry were left in ~/.docker/config.json")
	}

	diff := func(news *structpb.Struct) *pulumirpc.DiffResponse {
		res, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn, OldInputs: checked.GetInputs(), News: check(t, p, news).GetInputs()})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if d := diff(inputs(t, dir, "v1", registry["PASSWORD"])); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("unchanged context must not diff: %v", d)
	}
	if d := diff(inputs(t, dir, "v1", "another-password")); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("a new password alone must not rebuild: %v", d)
	}
	if err := os.MkdirAll(filepath.Join(dir, "notes"), 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "notes", "todo"), []byte("ignored by .dockerignore"), 0o644)
	}
	if d := diff(inputs(t, dir, "v1", registry["PASSWORD"])); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("a file .dockerignore excludes must not diff: %v", d)
	}
	if err := os.WriteFile(filepath.Join(dir, "greeting"), []byte("bonjour\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d := diff(inputs(t, dir, "v1", registry["PASSWORD"])); strings.Join(d.GetDiffs(), ",") != "contextDigest" {
		t.Fatalf("a changed file in the context under the same tag must diff on contextDigest: %v", d)
	}
}

func TestWrongPasswordIsRefusedWithoutEchoingIt(t *testing.T) {
	p := &provider{}
	const wrong = "definitely-not-the-password"
	checked := check(t, p, inputs(t, buildContext(t, "x\n"), "wrong", wrong))
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Properties: checked.GetInputs()})
	if err == nil || !strings.Contains(err.Error(), "docker login to "+registry["REGISTRY"]+" as "+registry["REGISTRY_USER"]+" failed") {
		t.Fatalf("want a login failure naming registry and user, got %v", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Fatal("the error echoes the password")
	}
}

func fileContains(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(b), s)
}
