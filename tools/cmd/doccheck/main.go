// Command doccheck reports every exported name of the released modules that
// has no doc comment: functions, methods of exported types, types, constants
// and variables (a constant or variable in a group may share the group's
// comment, or carry a trailing line comment). Packages main, internal
// packages, tests and testdata are not public API and are skipped.
//
//	go run ./tools/cmd/doccheck [-root DIR]   # exit status 1 when any name lacks a doc
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	missing, err := check(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "doccheck:", err)
		os.Exit(2)
	}
	for _, m := range missing {
		fmt.Println(m)
	}
	if len(missing) > 0 {
		fmt.Printf("%d exported names without a doc comment\n", len(missing))
		os.Exit(1)
	}
	fmt.Println("doccheck: every exported name has a doc comment")
}

// check walks every module folder (rtc, rtc-*) below root.
func check(root string) ([]string, error) {
	mods, err := filepath.Glob(filepath.Join(root, "rtc*"))
	if err != nil {
		return nil, err
	}
	var missing []string
	fset := token.NewFileSet()
	for _, mod := range mods {
		err := filepath.WalkDir(mod, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if skipDir(d.Name()) && path != mod {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			if f.Name.Name == "main" {
				return nil
			}
			missing = append(missing, undocumented(fset, f)...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(missing)
	return missing, nil
}

func skipDir(name string) bool {
	return name == "internal" || name == "testdata" || name == "examples" ||
		strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// undocumented lists the exported names of one file that lack a doc.
func undocumented(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(pos token.Pos, what, name string) {
		p := fset.Position(pos)
		out = append(out, fmt.Sprintf("%s:%d: %s %s has no doc comment", p.Filename, p.Line, what, name))
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv == nil {
				report(d.Pos(), "func", d.Name.Name)
			} else if recv := receiverName(d.Recv); ast.IsExported(recv) {
				report(d.Pos(), "method", recv+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			genDecl(d, report)
		}
	}
	return out
}

func genDecl(d *ast.GenDecl, report func(token.Pos, string, string)) {
	for _, spec := range d.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
				report(s.Pos(), "type", s.Name.Name)
			}
		case *ast.ValueSpec:
			if s.Doc != nil || s.Comment != nil || (d.Doc != nil && d.Lparen.IsValid()) || (d.Doc != nil && len(d.Specs) == 1) {
				continue
			}
			for _, n := range s.Names {
				if n.IsExported() {
					report(n.Pos(), strings.ToLower(d.Tok.String()), n.Name)
				}
			}
		}
	}
}

// receiverName is the type name of a method's receiver.
func receiverName(fl *ast.FieldList) string {
	if len(fl.List) == 0 {
		return ""
	}
	t := fl.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
