package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	"middleware.local/tools/plugin-support/serve"
)

const imageType = "docker:index/image:Image"

type provider struct {
	serve.Base
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
}

func checkType(urn string) error {
	if t := string(resource.URN(urn).Type()); t != imageType {
		return fmt.Errorf("resource type %s is not supported by this offline docker plugin (supported: %s); "+
			"install the real pulumi-resource-docker plugin for it", t, imageType)
	}
	return nil
}

// imageSpec is an Image's inputs with secrets unwrapped (the password only travels to docker login's stdin).
type imageSpec struct {
	ImageName string       `json:"imageName"`
	SkipPush  bool         `json:"skipPush"`
	Build     buildSpec    `json:"build"`
	Registry  registrySpec `json:"registry"`
	Digest    string       `json:"contextDigest"`
}

type buildSpec struct {
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile"`
	Args       map[string]string `json:"args"`
	Platform   string            `json:"platform"`
	Target     string            `json:"target"`
	Network    string            `json:"network"`
	AddHosts   []string          `json:"addHosts"`
}

type registrySpec struct {
	Server   string `json:"server"`
	Username string `json:"username"`
	Password string `json:"password"`
}

func specOf(m resource.PropertyMap) (imageSpec, error) {
	var s imageSpec
	plain := m.MapRepl(nil, func(v resource.PropertyValue) (any, bool) {
		if v.IsSecret() {
			return v.SecretValue().Element.Mappable(), true
		}
		return nil, false
	})
	raw, err := json.Marshal(plain)
	if err == nil {
		err = json.Unmarshal(raw, &s)
	}
	if s.Build.Context == "" {
		s.Build.Context = "."
	}
	if s.Build.Dockerfile == "" {
		s.Build.Dockerfile = filepath.Join(s.Build.Context, "Dockerfile")
	}
	return s, err
}

// Check records the build context's digest, so a changed file is a diff, and refuses what cannot
// be built or pushed with a message naming the input.
func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	if v := news["imageName"]; !v.IsComputed() && (!v.IsString() || v.StringValue() == "") {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "imageName", Reason: "imageName is required (repository[:tag])"})
	}
	build, hasBuild := news["build"]
	if !hasBuild || !build.IsObject() {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "build", Reason: "build.context is required: this plugin builds images, it does not pull them"})
	} else if ctx := build.ObjectValue()["context"]; ctx.IsString() {
		digest, err := contextDigest(ctx.StringValue())
		if err != nil {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "build.context", Reason: err.Error()})
		}
		news["contextDigest"] = resource.NewStringProperty(digest)
	} else {
		news["contextDigest"] = resource.MakeComputed(resource.NewStringProperty(""))
	}
	if skip := news["skipPush"]; !(skip.IsBool() && skip.BoolValue()) {
		if reg := news["registry"]; !reg.IsObject() || reg.ObjectValue()["server"].IsNull() {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "registry.server", Reason: "registry.server is required to push (or set skipPush)"})
		}
	}
	inputs, err := marshal(news)
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, err
}

// Diff: the image is rebuilt and pushed (an update) when its name, build settings, context content,
// registry or user change. A new password alone changes nothing that was built.
func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var diffs []string
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, key := range []string{"imageName", "build", "contextDigest", "skipPush", "registry.server", "registry.username"} {
		o, n := lookup(olds, key), lookup(news, key)
		if n.ContainsUnknowns() || !reflect.DeepEqual(o.Mappable(), n.Mappable()) {
			diffs = append(diffs, key)
			detailed[key] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE, InputDiff: true}
		}
	}
	if len(diffs) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	sort.Strings(diffs)
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: diffs, DetailedDiff: detailed, HasDetailedDiff: true}, nil
}

func lookup(m resource.PropertyMap, path string) resource.PropertyValue {
	v := resource.NewObjectProperty(m)
	for _, k := range strings.Split(path, ".") {
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		if !v.IsObject() {
			return resource.NewNullProperty()
		}
		v = v.ObjectValue()[resource.PropertyKey(k)]
	}
	return v
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	props, err := p.buildAndPush(ctx, req.GetProperties(), req.GetPreview())
	if err != nil {
		return nil, err
	}
	id := ""
	if !req.GetPreview() {
		id = props["repoDigest"].StringValue()
	}
	out, err := marshal(props)
	return &pulumirpc.CreateResponse{Id: id, Properties: out}, err
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	props, err := p.buildAndPush(ctx, req.GetNews(), req.GetPreview())
	if err != nil {
		return nil, err
	}
	out, err := marshal(props)
	return &pulumirpc.UpdateResponse{Properties: out}, err
}

// Read keeps the recorded state: a pushed image is immutable under its digest.
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Delete leaves the pushed image in the registry, as the real plugin does: pods and other
// stacks may still pull it by digest, and the registry's own retention removes it.
func (p *provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// buildAndPush returns the outputs: the inputs (the password still a secret) plus what the SDK
// declares. On preview nothing is built and the digest is unknown.
func (p *provider) buildAndPush(ctx context.Context, inputs *structpb.Struct, preview bool) (resource.PropertyMap, error) {
	props, err := unmarshal(inputs)
	if err != nil {
		return nil, err
	}
	spec, err := specOf(props)
	if err != nil {
		return nil, err
	}
	out := props.Copy()
	out["baseImageName"] = props["imageName"]
	out["context"] = resource.NewStringProperty(spec.Build.Context)
	out["dockerfile"] = resource.NewStringProperty(spec.Build.Dockerfile)
	out["platform"] = resource.NewStringProperty(spec.Build.Platform)
	out["registryServer"] = resource.NewStringProperty(spec.Registry.Server)
	if preview {
		out["repoDigest"] = resource.MakeComputed(resource.NewStringProperty(""))
		return out, nil
	}
	digest, err := buildAndPush(ctx, spec)
	if err != nil {
		return nil, err
	}
	out["repoDigest"] = resource.NewStringProperty(digest)
	return out, nil
}

// buildAndPush runs the Docker engine's build, then logs in and pushes with a Docker config of its
// own (removed afterwards: no credential is left in ~/.docker), and returns repository@digest.
func buildAndPush(ctx context.Context, s imageSpec) (string, error) {
	dockerConfig, err := os.MkdirTemp("", "docker-config-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dockerConfig)
	docker := func(stdin string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "docker", args...)
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+dockerConfig)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	args := []string{"build", "-t", s.ImageName, "-f", s.Build.Dockerfile}
	for _, k := range sortedKeys(s.Build.Args) {
		args = append(args, "--build-arg", k+"="+s.Build.Args[k])
	}
	if s.Build.Platform != "" {
		args = append(args, "--platform", s.Build.Platform)
	}
	if s.Build.Target != "" {
		args = append(args, "--target", s.Build.Target)
	}
	if s.Build.Network != "" {
		args = append(args, "--network", s.Build.Network)
	}
	for _, h := range s.Build.AddHosts {
		args = append(args, "--add-host", h)
	}
	if out, err := docker("", append(args, s.Build.Context)...); err != nil {
		return "", fmt.Errorf("docker build of %s failed: %v\n%s", s.ImageName, err, tail(out, 30))
	}
	if s.SkipPush {
		out, err := docker("", "image", "inspect", "--format", "{{.Id}}", s.ImageName)
		return strings.TrimSpace(out), err
	}
	if s.Registry.Username != "" {
		if out, err := docker(s.Registry.Password, "login", "--username", s.Registry.Username, "--password-stdin", s.Registry.Server); err != nil {
			return "", fmt.Errorf("docker login to %s as %s failed: %s", s.Registry.Server, s.Registry.Username, strings.TrimSpace(out))
		}
	}
	if out, err := docker("", "push", s.ImageName); err != nil {
		return "", fmt.Errorf("docker push of %s failed: %v\n%s", s.ImageName, err, tail(out, 10))
	}
	out, err := docker("", "image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", s.ImageName)
	if err != nil {
		return "", fmt.Errorf("docker image inspect %s: %v", s.ImageName, err)
	}
	repository := repositoryOf(s.ImageName)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, repository+"@") {
			return line, nil
		}
	}
	return "", fmt.Errorf("pushed %s but the engine reports no digest for %s: %q", s.ImageName, repository, out)
}

// repositoryOf drops the tag: "host:5443/p/redis:abc" -> "host:5443/p/redis".
func repositoryOf(imageName string) string {
	if i := strings.LastIndex(imageName, ":"); i > strings.LastIndex(imageName, "/") {
		return imageName[:i]
	}
	return imageName
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
