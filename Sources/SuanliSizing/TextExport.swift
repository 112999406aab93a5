// The sizing reports are drawn by SuanliText (TextReport); callers and tests that import
// SuanliSizing see it as before.
@_exported import SuanliText
