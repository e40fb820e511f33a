// Compiled only to produce the precompiled header (torch_pch.h).
