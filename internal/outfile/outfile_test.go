package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// plant makes the hostile things another user could leave at a name, each
// pointing at or standing for victim, which must never change.
func plant(t *testing.T, dir, victim string) map[string]string {
	t.Helper()
	names := map[string]string{}
	add := func(name string, make func(p string) error) {
		p := filepath.Join(dir, name)
		if err := make(p); err != nil {
			t.Fatal(err)
		}
		names[name] = p
	}
	add("symlink", func(p string) error { return os.Symlink(victim, p) })
	add("dangling", func(p string) error { return os.Symlink(filepath.Join(dir, "nowhere"), p) })
	add("hardlink", func(p string) error { return os.Link(victim, p) })
	add("fifo", func(p string) error { return syscall.Mkfifo(p, 0o600) })
	add("dir", func(p string) error { return os.Mkdir(p, 0o700) })
	return names
}

func TestCreateRefusesPlanted(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	names := plant(t, dir, victim)
	names["existing"] = victim
	for name, p := range names {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- WriteNew(p, []byte("root's secret\n")) }()
			select {
			case err := <-done:
				if err == nil {
					t.Fatalf("WriteNew(%s) = nil, want an error", name)
				}
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not name the file", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("WriteNew(%s) blocked", name)
			}
			if b, _ := os.ReadFile(victim); string(b) != "keep\n" {
				t.Fatalf("victim now holds %q", b)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dangling symlink's target was created: %v", err)
	}
	if err := WriteNew(names["symlink"], nil); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteNew(symlink) = %v, want fs.ErrExist", err)
	}
}

func TestCreateMode(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "rules.nft")
	if err := WriteNew(p, []byte("table inet cttop\n")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != Mode {
		t.Errorf("mode %v, want %v", fi.Mode(), fs.FileMode(Mode))
	}
	if b, _ := os.ReadFile(p); string(b) != "table inet cttop\n" {
		t.Errorf("content %q", b)
	}
}

func TestAppendRefusesPlanted(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	names := plant(t, dir, victim)
	if os.Geteuid() == 0 {
		other := filepath.Join(dir, "other-owner")
		if err := os.WriteFile(other, []byte("keep\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		names["other-owner"] = other
	}
	for name, p := range names {
		t.Run(name, func(t *testing.T) {
			type result struct {
				f   *os.File
				err error
			}
			done := make(chan result, 1)
			go func() { f, err := Append(p); done <- result{f, err} }()
			select {
			case r := <-done:
				if r.err == nil {
					r.f.Close()
					t.Fatalf("Append(%s) = nil error", name)
				}
				if !errors.Is(r.err, ErrUnsafe) && name != "dir" {
					t.Errorf("Append(%s) = %v, want ErrUnsafe", name, r.err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Append(%s) blocked", name)
			}
			if b, _ := os.ReadFile(victim); string(b) != "keep\n" {
				t.Fatalf("victim now holds %q", b)
			}
		})
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dangling symlink's target was created: %v", err)
	}
}

func TestAppend(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "cttop.log")
	for _, line := range []string{"one\n", "two\n"} {
		f, err := Append(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(line); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	b, _ := os.ReadFile(p)
	if string(b) != "one\ntwo\n" {
		t.Errorf("log holds %q, want both lines", b)
	}
	if fi, _ := os.Lstat(p); fi.Mode() != Mode {
		t.Errorf("mode %v, want %v", fi.Mode(), fs.FileMode(Mode))
	}
}
