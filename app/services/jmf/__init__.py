"""Machines report themselves over CIP4 JMF 1.x / XJMF 2.x: links, safe XML, messages, ledger, stops, meters."""
