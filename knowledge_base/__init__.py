"""Knowledge base: entries, importers, plain-language guides, embeddings, FAISS index, search.

Domain code: no Rasa or web-framework imports here.
"""
