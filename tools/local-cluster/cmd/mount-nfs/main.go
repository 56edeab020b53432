// mount-nfs mounts an NFSv3 export through FUSE, for a machine whose kernel has FUSE but no NFS
// client (the local cluster's). It takes mount(8)'s arguments the way the kubelet passes them to
// the mounter named by --experimental-mounter-path:
//
//	mount-nfs mount -t nfs -o vers=3,hard SERVER:/PATH DIR
//
// (also without the leading "mount"). Types other than nfs go to /bin/mount unchanged. It returns
// once DIR is mounted; the daemon it starts serves DIR until it is unmounted (`umount DIR`),
// logging to /var/log/mount-nfs/.
//
// Options: vers=3 or nfsvers=3 (the only version); hard (the only mode: a soft mount turns an
// outage into failed writes, which Redis and ZooKeeper treat as fatal or, worse, skip); port=N
// and mountport=N (default: asked from the server's rpcbind); timeo=N (tenths of a second a call
// waits for its reply before it is sent again on a new connection; default 600); ro. What else a
// kernel client takes (rsize, wsize, proto=tcp, nolock, noatime, ...) is accepted and ignored.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"middleware.local/tools/local-cluster/nfs3"
	"middleware.local/tools/local-cluster/nfsfuse"
)

const (
	serveEnv  = "MOUNT_NFS_SERVE"
	logDir    = "/var/log/mount-nfs"
	mountWait = 2 * time.Minute // a kernel client's foreground retry
)

type request struct {
	fstype, source, target string
	options                []string
	host, export           string
	port, mountPort        int
	timeout                time.Duration
	readOnly               bool
}

func parse(args []string) (request, error) {
	var r request
	if len(args) > 0 && args[0] == "mount" {
		args = args[1:]
	}
	var positional []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-t" && i+1 < len(args):
			i++
			r.fstype = args[i]
		case a == "-o" && i+1 < len(args):
			i++
			r.options = append(r.options, strings.Split(args[i], ",")...)
		case strings.HasPrefix(a, "-"):
			// mount(8) flags such as --no-canonicalize: nothing to do for a FUSE mount.
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) != 2 {
		return r, fmt.Errorf("usage: mount-nfs [mount] -t nfs [-o options] SERVER:/PATH DIR (got %q)", args)
	}
	r.source, r.target = positional[0], positional[1]
	if r.fstype != "nfs" {
		return r, nil
	}
	host, export, ok := strings.Cut(r.source, ":")
	if !ok || host == "" || !strings.HasPrefix(export, "/") {
		return r, fmt.Errorf("%q is not SERVER:/PATH", r.source)
	}
	r.host, r.export = strings.Trim(host, "[]"), export
	r.timeout = 60 * time.Second
	for _, o := range r.options {
		key, value, _ := strings.Cut(o, "=")
		number := func() (int, error) {
			n, err := strconv.Atoi(value)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("option %s: %q is not a positive number", key, value)
			}
			return n, nil
		}
		var err error
		switch key {
		case "vers", "nfsvers":
			if value != "3" {
				err = fmt.Errorf("option %s=%s: this client speaks NFS version 3 only", key, value)
			}
		case "soft":
			err = errors.New("option soft: refused; an outage would fail writes the programs on this volume treat as done. Use hard (the default)")
		case "port":
			r.port, err = number()
		case "mountport":
			r.mountPort, err = number()
		case "timeo":
			var n int
			n, err = number()
			r.timeout = time.Duration(n) * 100 * time.Millisecond
		case "ro":
			r.readOnly = true
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	r, err := parse(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "mount-nfs:", err)
		os.Exit(1)
	}
	if r.fstype != "nfs" {
		mount := exec.Command("/bin/mount", withoutLeadingMount(os.Args[1:])...)
		mount.Stdout, mount.Stderr = os.Stdout, os.Stderr
		if err := mount.Run(); err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				os.Exit(exit.ExitCode())
			}
			fmt.Fprintln(os.Stderr, "mount-nfs:", err)
			os.Exit(1)
		}
		return
	}
	if os.Getenv(serveEnv) != "" {
		serve(r)
		return
	}
	os.Exit(start(r))
}

func withoutLeadingMount(args []string) []string {
	if len(args) > 0 && args[0] == "mount" {
		return args[1:]
	}
	return args
}

// start runs the serving daemon in its own session and waits until it reports the mount made
// (exit 0) or failed (exit 32, mount(8)'s "mount failure", with the daemon's reason).
func start(r request) int {
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "mount-nfs:", err)
		return 1
	}
	logPath := filepath.Join(logDir, strings.ReplaceAll(strings.Trim(r.target, "/"), "/", "_")+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mount-nfs:", err)
		return 1
	}
	defer logFile.Close()
	ready, report, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mount-nfs:", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mount-nfs:", err)
		return 1
	}
	daemon := exec.Command(self, os.Args[1:]...)
	daemon.Env = append(os.Environ(), serveEnv+"=1")
	daemon.Stdout, daemon.Stderr = logFile, logFile
	daemon.ExtraFiles = []*os.File{report}
	daemon.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := daemon.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "mount-nfs:", err)
		return 1
	}
	report.Close()
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(ready).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	select {
	case line := <-answer:
		if line == "ok" {
			daemon.Process.Release()
			return 0
		}
		if line == "" {
			line = "the daemon exited without mounting; see " + logPath
		}
		fmt.Fprintf(os.Stderr, "mount-nfs: mounting %s on %s failed: %s\n", r.source, r.target, line)
	case <-time.After(mountWait):
		daemon.Process.Kill()
		fmt.Fprintf(os.Stderr, "mount-nfs: mounting %s on %s: the server did not answer within %s; see %s\n", r.source, r.target, mountWait, logPath)
	}
	daemon.Wait()
	return 32
}

// serve mounts and serves until the mount point is unmounted, reporting the outcome of the mount
// on file descriptor 3.
func serve(r request) {
	report := os.NewFile(3, "report")
	fail := func(err error) {
		log.Printf("mounting %s on %s failed: %v", r.source, r.target, err)
		fmt.Fprintln(report, err)
		os.Exit(32)
	}
	var err error
	if r.port == 0 {
		if r.port, err = nfs3.Getport(r.host, nfs3.NFS, 3, r.timeout, log.Printf); err != nil {
			fail(err)
		}
	}
	if r.mountPort == 0 {
		if r.mountPort, err = nfs3.Getport(r.host, nfs3.MOUNT, 3, r.timeout, log.Printf); err != nil {
			fail(err)
		}
	}
	addr := func(port int) string { return fmt.Sprintf("%s:%d", wrapV6(r.host), port) }
	client, err := nfs3.Dial(addr(r.port), addr(r.mountPort), r.export, nfs3.Cred{}, r.timeout, log.Printf)
	if err != nil {
		fail(err)
	}
	attrTimeout := time.Second
	options := &fs.Options{
		EntryTimeout: &attrTimeout,
		AttrTimeout:  &attrTimeout,
		MountOptions: fuse.MountOptions{
			// The pods' processes (any uid) use what the kubelet (root) mounts.
			AllowOther:        true,
			FsName:            r.source,
			Name:              "nfs",
			DirectMountStrict: true,
			MaxWrite:          1 << 20,
		},
	}
	if r.readOnly {
		options.MountOptions.Options = append(options.MountOptions.Options, "ro")
	}
	server, err := fs.Mount(r.target, nfsfuse.Root(client), options)
	if err != nil {
		client.Close()
		fail(err)
	}
	log.Printf("mounted %s on %s (NFSv3 at %s, MOUNT at %s, hard, timeo %s)", r.source, r.target, addr(r.port), addr(r.mountPort), r.timeout)
	fmt.Fprintln(report, "ok")
	report.Close()
	server.Wait()
	client.Close()
	log.Printf("%s unmounted", r.target)
}

func wrapV6(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}
