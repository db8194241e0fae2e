// Package tuning is cttop's tuning advisor: from a table's composition
// (model.Compose) and the conntrack settings of its namespace (Settings,
// read by source.ReadTuning) it works out the table's size, memory and
// timeouts and suggests concrete settings (Advise). It is a pure function of
// its input: it reads no file and changes nothing.
//
// The result, an Advice, is data: the numbers, the findings as paragraphs,
// the suggested sysctl changes. Report lays it out as a format.Doc of
// paragraphs and lines, which the renderers (the tuning view, cttop --tune)
// wrap to their width; SysctlSnippet writes the sysctl.d file.
package tuning
