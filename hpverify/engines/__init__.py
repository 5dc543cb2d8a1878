"""Engines: siblings behind one result type (hpverify.result.Result)."""
