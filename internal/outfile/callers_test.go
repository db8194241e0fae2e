package outfile

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryWriteGoesThroughOutfile holds the rule for the whole module: no
// non-test code outside this package creates or writes a file by itself
// (os.Create, os.WriteFile, os.OpenFile with a write flag), so a new save
// or log cannot forget O_NOFOLLOW, O_EXCL or the mode. The benchmark tools
// and the test helpers of internal/netnstest are not cttop and may.
func TestEveryWriteGoesThroughOutfile(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	exempt := []string{"internal/outfile/", "internal/netnstest/", "bench/"}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		for _, e := range exempt {
			if strings.HasPrefix(filepath.ToSlash(rel), e) {
				return nil
			}
		}
		src, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(src, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok || (pkg.Name != "os" && pkg.Name != "ioutil") {
				return true
			}
			switch sel.Sel.Name {
			case "Create", "WriteFile":
				t.Errorf("%s: %s.%s: write files through outfile", fset.Position(call.Pos()), pkg.Name, sel.Sel.Name)
			case "OpenFile":
				if len(call.Args) < 2 {
					return true
				}
				if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Value == `"/dev/tty"` {
					return true // the terminal, not a file
				}
				flags := exprText(call.Args[1])
				for _, w := range []string{"O_WRONLY", "O_RDWR", "O_CREATE", "O_APPEND", "O_TRUNC"} {
					if strings.Contains(flags, w) {
						t.Errorf("%s: os.OpenFile(..., %s): write files through outfile", fset.Position(call.Pos()), flags)
						break
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: is the module root %s?", checked, root)
	}
}

// exprText is the names in an expression ("os.O_WRONLY|os.O_CREATE").
func exprText(e ast.Expr) string {
	var b strings.Builder
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			b.WriteString(id.Name + " ")
		}
		return true
	})
	return b.String()
}
