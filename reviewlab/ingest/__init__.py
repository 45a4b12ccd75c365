"""Import conversation logs: readers per format → normalised records → one transactional batch per file."""

from reviewlab.ingest.loader import ImportResult, import_paths, import_records, import_uploads
from reviewlab.ingest.records import ConversationRecord, MessageRecord, Rejection, conversation_id

__all__ = ["ConversationRecord", "ImportResult", "MessageRecord", "Rejection", "conversation_id", "import_paths",
           "import_records",
           "import_uploads"]
