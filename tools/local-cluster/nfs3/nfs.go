// Package nfs3 is an NFSv3 client (RFC 1813) that addresses files by handle, as a kernel client
// does: an open file stays the same file across renames, hard links work, and every call carries
// the credentials of the process it is made for. Calls block through server outages (hard-mount
// semantics, see rpc.go).
package nfs3

import (
	"fmt"
	"net"
	"syscall"
	"time"
)

const (
	nfsProgram   = 100003
	nfsVersion   = 3
	mountProgram = 100005
	mountVersion = 3

	maxHandle = 64
	maxName   = 255
	maxPath   = 4096
)

const (
	procGetattr     = 1
	procSetattr     = 2
	procLookup      = 3
	procReadlink    = 5
	procRead        = 6
	procWrite       = 7
	procCreate      = 8
	procMkdir       = 9
	procSymlink     = 10
	procRemove      = 12
	procRmdir       = 13
	procRename      = 14
	procLink        = 15
	procReaddirplus = 17
	procFsstat      = 18
	procFsinfo      = 19
	procCommit      = 21
)

// FileType is fattr3's ftype3.
type FileType uint32

const (
	Regular   FileType = 1
	Directory FileType = 2
	Block     FileType = 3
	Char      FileType = 4
	Symlink   FileType = 5
	Socket    FileType = 6
	FIFO      FileType = 7
)

// Attr is fattr3.
type Attr struct {
	Type                FileType
	Mode                uint32 // permission bits only
	Nlink, Uid, Gid     uint32
	Size, Used          uint64
	Fsid, Fileid        uint64
	Atime, Mtime, Ctime time.Time
}

// SetAttr is sattr3: nil fields stay as they are.
type SetAttr struct {
	Mode, Uid, Gid *uint32
	Size           *uint64
	Atime, Mtime   *time.Time
}

// Entry is one name of a directory listing, with its handle and attributes where the server sent them.
type Entry struct {
	Name   string
	Fileid uint64
	Handle []byte
	Attr   *Attr
}

// FSStat is what FSSTAT reports about the exported file system, in bytes and files.
type FSStat struct {
	TotalBytes, FreeBytes, AvailBytes uint64
	TotalFiles, FreeFiles, AvailFiles uint64
}

// Status is an NFS3ERR_* answer; errors.Is matches it against the errno it stands for.
type Status uint32

func (s Status) Error() string { return fmt.Sprintf("NFS3 error %d (%v)", uint32(s), s.Errno()) }

func (s Status) Is(target error) bool {
	e, ok := target.(syscall.Errno)
	return ok && e == s.Errno()
}

// Errno is the errno a local file system would return for this answer. Up to 31 the numbers are
// Linux's; the rest are the protocol's own.
func (s Status) Errno() syscall.Errno {
	switch s {
	case 63:
		return syscall.ENAMETOOLONG
	case 66:
		return syscall.ENOTEMPTY
	case 69:
		return syscall.EDQUOT
	case 71:
		return syscall.EREMOTE
	case 10001, 70: // BADHANDLE, STALE
		return syscall.ESTALE
	case 10004: // NOTSUPP
		return syscall.EOPNOTSUPP
	case 10005: // TOOSMALL
		return syscall.ERANGE
	case 10008: // JUKEBOX
		return syscall.EAGAIN
	case 10002, 10003, 10006, 10007: // NOT_SYNC, BAD_COOKIE, SERVERFAULT, BADTYPE
		return syscall.EIO
	}
	return syscall.Errno(s)
}

// Client is one mounted export.
type Client struct {
	nfs  *transport
	root []byte
	// Largest READ and WRITE the server takes (FSINFO).
	readMax, writeMax uint32
}

// Dial mounts `export` from the MOUNT service at mountAddr and talks NFS to nfsAddr (host:port
// each: no portmapper is asked). cred is used for the MNT call itself. logf receives the
// "not responding" / "OK" lines of outages.
func Dial(nfsAddr, mountAddr, export string, cred Cred, timeout time.Duration, logf func(string, ...any)) (*Client, error) {
	root, err := mount(mountAddr, export, cred, timeout, logf)
	if err != nil {
		return nil, err
	}
	c := &Client{nfs: newTransport(nfsAddr, nfsProgram, nfsVersion, timeout, logf), root: root}
	if err := c.fsinfo(cred); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func mount(addr, export string, cred Cred, timeout time.Duration, logf func(string, ...any)) ([]byte, error) {
	t := newTransport(addr, mountProgram, mountVersion, timeout, logf)
	defer t.close()
	var e encoder
	e.str(export)
	d, err := t.call(1, cred, e.buf)
	if err != nil {
		return nil, err
	}
	if st := d.u32(); st != 0 {
		return nil, fmt.Errorf("the server refused to mount %s: %w", export, Status(st).Errno())
	}
	fh := d.opaque(maxHandle)
	return fh, d.err
}

// Close stops every call in flight (they return ErrClosed).
func (c *Client) Close() { c.nfs.close() }

// Root is the handle of the exported directory.
func (c *Client) Root() []byte { return c.root }

func (c *Client) fsinfo(cred Cred) error {
	var e encoder
	e.opaque(c.root)
	d, err := c.call(procFsinfo, cred, e)
	if err != nil {
		return err
	}
	postOpAttr(d)
	d.u32() // rtmax
	c.readMax = d.u32()
	d.u32() // rtmult
	d.u32() // wtmax
	c.writeMax = d.u32()
	if c.readMax == 0 || c.readMax > 1<<20 {
		c.readMax = 1 << 20
	}
	if c.writeMax == 0 || c.writeMax > 1<<20 {
		c.writeMax = 1 << 20
	}
	return d.err
}

// call runs a procedure whose result starts with nfsstat3; on an error status it returns the
// Status (the rest of a failed result, attributes for caches, is not needed here).
func (c *Client) call(proc uint32, cred Cred, args encoder) (*decoder, error) {
	d, err := c.nfs.call(proc, cred, args.buf)
	if err != nil {
		return nil, err
	}
	if st := d.u32(); st != 0 {
		return nil, Status(st)
	}
	return d, d.err
}

func decodeTime(d *decoder) time.Time { return time.Unix(int64(d.u32()), int64(d.u32())) }

func decodeAttr(d *decoder) Attr {
	a := Attr{Type: FileType(d.u32()), Mode: d.u32() & 07777, Nlink: d.u32(), Uid: d.u32(), Gid: d.u32()}
	a.Size = d.u64()
	a.Used = d.u64()
	d.u64() // rdev
	a.Fsid = d.u64()
	a.Fileid = d.u64()
	a.Atime = decodeTime(d)
	a.Mtime = decodeTime(d)
	a.Ctime = decodeTime(d)
	return a
}

func postOpAttr(d *decoder) *Attr {
	if !d.boolean() {
		return nil
	}
	a := decodeAttr(d)
	return &a
}

// wccData skips weak cache consistency data and returns the attributes after the change.
func wccData(d *decoder) *Attr {
	if d.boolean() {
		d.u64() // size
		d.u64() // mtime
		d.u64() // ctime
	}
	return postOpAttr(d)
}

func encodeTime(e *encoder, t *time.Time) {
	if t == nil {
		e.u32(0) // DONT_CHANGE
		return
	}
	e.u32(2) // SET_TO_CLIENT_TIME
	e.u32(uint32(t.Unix()))
	e.u32(uint32(t.Nanosecond()))
}

func encodeSetAttr(e *encoder, s SetAttr) {
	for _, v := range []*uint32{s.Mode, s.Uid, s.Gid} {
		e.boolean(v != nil)
		if v != nil {
			e.u32(*v)
		}
	}
	e.boolean(s.Size != nil)
	if s.Size != nil {
		e.u64(*s.Size)
	}
	encodeTime(e, s.Atime)
	encodeTime(e, s.Mtime)
}

func dirop(e *encoder, dir []byte, name string) {
	e.opaque(dir)
	e.str(name)
}

// Getattr returns a file's attributes.
func (c *Client) Getattr(cred Cred, fh []byte) (Attr, error) {
	var e encoder
	e.opaque(fh)
	d, err := c.call(procGetattr, cred, e)
	if err != nil {
		return Attr{}, err
	}
	a := decodeAttr(d)
	return a, d.err
}

// Setattr changes what s sets and returns the attributes after.
func (c *Client) Setattr(cred Cred, fh []byte, s SetAttr) (Attr, error) {
	var e encoder
	e.opaque(fh)
	encodeSetAttr(&e, s)
	e.boolean(false) // no guard
	d, err := c.call(procSetattr, cred, e)
	if err != nil {
		return Attr{}, err
	}
	if a := wccData(d); a != nil {
		return *a, d.err
	}
	if d.err != nil {
		return Attr{}, d.err
	}
	return c.Getattr(cred, fh)
}

// Lookup finds name in dir.
func (c *Client) Lookup(cred Cred, dir []byte, name string) ([]byte, Attr, error) {
	var e encoder
	dirop(&e, dir, name)
	d, err := c.call(procLookup, cred, e)
	if err != nil {
		return nil, Attr{}, err
	}
	fh := d.opaque(maxHandle)
	a := postOpAttr(d)
	if d.err != nil {
		return nil, Attr{}, d.err
	}
	if a == nil {
		got, err := c.Getattr(cred, fh)
		return fh, got, err
	}
	return fh, *a, nil
}

// Readlink returns a symbolic link's target.
func (c *Client) Readlink(cred Cred, fh []byte) (string, error) {
	var e encoder
	e.opaque(fh)
	d, err := c.call(procReadlink, cred, e)
	if err != nil {
		return "", err
	}
	postOpAttr(d)
	target := d.str(maxPath)
	return target, d.err
}

// Read reads up to len(p) bytes at off; it returns fewer only at the end of the file.
func (c *Client) Read(cred Cred, fh []byte, p []byte, off uint64) (int, error) {
	n := 0
	for n < len(p) {
		count := uint32(len(p) - n)
		if count > c.readMax {
			count = c.readMax
		}
		var e encoder
		e.opaque(fh)
		e.u64(off + uint64(n))
		e.u32(count)
		d, err := c.call(procRead, cred, e)
		if err != nil {
			return n, err
		}
		postOpAttr(d)
		d.u32() // count
		eof := d.boolean()
		data := d.opaque(int(count))
		if d.err != nil {
			return n, d.err
		}
		n += copy(p[n:], data)
		if eof || len(data) == 0 {
			break
		}
	}
	return n, nil
}

// Write writes p at off with FILE_SYNC: when it returns, the data and the file's metadata are on
// the server's stable storage, so fsync has nothing left to do. (UNSTABLE writes plus COMMIT
// would batch better, at the price of replaying writes when the server restarts in between.)
func (c *Client) Write(cred Cred, fh []byte, p []byte, off uint64) (int, error) {
	n := 0
	for n < len(p) {
		chunk := p[n:]
		if uint32(len(chunk)) > c.writeMax {
			chunk = chunk[:c.writeMax]
		}
		var e encoder
		e.opaque(fh)
		e.u64(off + uint64(n))
		e.u32(uint32(len(chunk)))
		e.u32(2) // FILE_SYNC
		e.opaque(chunk)
		d, err := c.call(procWrite, cred, e)
		if err != nil {
			return n, err
		}
		wccData(d)
		written := d.u32()
		committed := d.u32()
		if d.err != nil {
			return n, d.err
		}
		if committed != 2 {
			// The server kept it in memory only: make it stable before saying it is written.
			if err := c.Commit(cred, fh); err != nil {
				return n, err
			}
		}
		if written == 0 {
			return n, syscall.EIO
		}
		n += int(written)
	}
	return n, nil
}

// Commit makes every write to fh stable.
func (c *Client) Commit(cred Cred, fh []byte) error {
	var e encoder
	e.opaque(fh)
	e.u64(0)
	e.u32(0) // to the end of the file
	_, err := c.call(procCommit, cred, e)
	return err
}

// newObject decodes CREATE/MKDIR/SYMLINK results: the new handle and attributes (looked up when
// the server omitted them).
func (c *Client) newObject(cred Cred, d *decoder, dir []byte, name string) ([]byte, Attr, error) {
	var fh []byte
	if d.boolean() {
		fh = d.opaque(maxHandle)
	}
	a := postOpAttr(d)
	if d.err != nil {
		return nil, Attr{}, d.err
	}
	if fh == nil {
		return c.Lookup(cred, dir, name)
	}
	if a == nil {
		got, err := c.Getattr(cred, fh)
		return fh, got, err
	}
	return fh, *a, nil
}

// Create makes a regular file; exclusive fails with EEXIST when name exists (GUARDED).
func (c *Client) Create(cred Cred, dir []byte, name string, mode uint32, exclusive bool) ([]byte, Attr, error) {
	var e encoder
	dirop(&e, dir, name)
	if exclusive {
		e.u32(1) // GUARDED
	} else {
		e.u32(0) // UNCHECKED
	}
	encodeSetAttr(&e, SetAttr{Mode: &mode})
	d, err := c.call(procCreate, cred, e)
	if err != nil {
		return nil, Attr{}, err
	}
	return c.newObject(cred, d, dir, name)
}

// Mkdir makes a directory.
func (c *Client) Mkdir(cred Cred, dir []byte, name string, mode uint32) ([]byte, Attr, error) {
	var e encoder
	dirop(&e, dir, name)
	encodeSetAttr(&e, SetAttr{Mode: &mode})
	d, err := c.call(procMkdir, cred, e)
	if err != nil {
		return nil, Attr{}, err
	}
	return c.newObject(cred, d, dir, name)
}

// Symlink makes name in dir a symbolic link to target.
func (c *Client) Symlink(cred Cred, dir []byte, name, target string) ([]byte, Attr, error) {
	var e encoder
	dirop(&e, dir, name)
	encodeSetAttr(&e, SetAttr{})
	e.str(target)
	d, err := c.call(procSymlink, cred, e)
	if err != nil {
		return nil, Attr{}, err
	}
	return c.newObject(cred, d, dir, name)
}

// Remove unlinks a non-directory.
func (c *Client) Remove(cred Cred, dir []byte, name string) error {
	var e encoder
	dirop(&e, dir, name)
	_, err := c.call(procRemove, cred, e)
	return err
}

// Rmdir removes an empty directory.
func (c *Client) Rmdir(cred Cred, dir []byte, name string) error {
	var e encoder
	dirop(&e, dir, name)
	_, err := c.call(procRmdir, cred, e)
	return err
}

// Rename moves fromDir/fromName to toDir/toName, replacing what is there.
func (c *Client) Rename(cred Cred, fromDir []byte, fromName string, toDir []byte, toName string) error {
	var e encoder
	dirop(&e, fromDir, fromName)
	dirop(&e, toDir, toName)
	_, err := c.call(procRename, cred, e)
	return err
}

// Link makes dir/name another name of fh.
func (c *Client) Link(cred Cred, fh []byte, dir []byte, name string) error {
	var e encoder
	e.opaque(fh)
	dirop(&e, dir, name)
	_, err := c.call(procLink, cred, e)
	return err
}

// ReadDir lists dir, "." and ".." left out.
func (c *Client) ReadDir(cred Cred, dir []byte) ([]Entry, error) {
	var entries []Entry
	var cookie uint64
	verifier := make([]byte, 8)
	for {
		var e encoder
		e.opaque(dir)
		e.u64(cookie)
		e.fixed(verifier)
		e.u32(8192)  // dircount
		e.u32(65536) // maxcount
		d, err := c.call(procReaddirplus, cred, e)
		if err != nil {
			return nil, err
		}
		postOpAttr(d)
		verifier = d.fixed(8)
		for d.boolean() {
			ent := Entry{Fileid: d.u64(), Name: d.str(maxName)}
			cookie = d.u64()
			ent.Attr = postOpAttr(d)
			if d.boolean() {
				ent.Handle = d.opaque(maxHandle)
			}
			if ent.Name != "." && ent.Name != ".." {
				entries = append(entries, ent)
			}
		}
		eof := d.boolean()
		if d.err != nil {
			return nil, d.err
		}
		if eof {
			return entries, nil
		}
	}
}

// Fsstat reports the exported file system's space and files.
func (c *Client) Fsstat(cred Cred) (FSStat, error) {
	var e encoder
	e.opaque(c.root)
	d, err := c.call(procFsstat, cred, e)
	if err != nil {
		return FSStat{}, err
	}
	postOpAttr(d)
	s := FSStat{d.u64(), d.u64(), d.u64(), d.u64(), d.u64(), d.u64()}
	return s, d.err
}

// Getport asks the portmapper (rpcbind) on host which TCP port serves prog at vers, as a kernel
// client does when a mount names no port. It waits while rpcbind does not answer.
func Getport(host string, prog, vers uint32, timeout time.Duration, logf func(string, ...any)) (int, error) {
	t := newTransport(net.JoinHostPort(host, "111"), 100000, 2, timeout, logf)
	defer t.close()
	var e encoder
	e.u32(prog)
	e.u32(vers)
	e.u32(6) // TCP
	e.u32(0)
	d, err := t.call(3, Cred{}, e.buf)
	if err != nil {
		return 0, err
	}
	port := d.u32()
	if d.err == nil && port == 0 {
		return 0, fmt.Errorf("%s's rpcbind knows no program %d version %d over TCP", host, prog, vers)
	}
	return int(port), d.err
}

// NFS and MOUNT are the programs Getport is asked for.
const (
	NFS   = nfsProgram
	MOUNT = mountProgram
)
