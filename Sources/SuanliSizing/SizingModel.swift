// Sizing model: see Docs/sizing.md (placeholder until the sizing issue lands).
public enum SizingModel {}
