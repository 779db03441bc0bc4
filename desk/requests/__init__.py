"""The core of the desk: a help request and the person who asked, their reference and keys.

Every other package stands on this one; it imports none of them.
"""
