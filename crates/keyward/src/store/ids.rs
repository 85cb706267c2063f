//! The ids (`crate::ids`) in SQLite: stored as the uuid's text, like the columns always were,
//! so the store binds and reads them directly.

use crate::ids::{ConnectionId, KeyId, RotationId};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Sqlite, Type};
use uuid::Uuid;

macro_rules! text_id {
    ($name:ident) => {
        impl Type<Sqlite> for $name {
            fn type_info() -> SqliteTypeInfo {
                <String as Type<Sqlite>>::type_info()
            }
            fn compatible(ty: &SqliteTypeInfo) -> bool {
                <String as Type<Sqlite>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Sqlite> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut Vec<SqliteArgumentValue<'q>>,
            ) -> Result<IsNull, BoxDynError> {
                <String as Encode<'q, Sqlite>>::encode(self.to_string(), buf)
            }
        }

        impl<'r> Decode<'r, Sqlite> for $name {
            fn decode(value: SqliteValueRef<'r>) -> Result<$name, BoxDynError> {
                let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
                Ok($name::from(Uuid::parse_str(text)?))
            }
        }
    };
}

text_id!(KeyId);
text_id!(RotationId);
text_id!(ConnectionId);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use sqlx::Row;

    #[tokio::test]
    async fn ids_bind_and_decode_as_uuid_text() {
        let store = Store::open_in_memory().await.unwrap();
        let id = KeyId::new_random();
        let row = sqlx::query("SELECT ?1 AS id, typeof(?1) AS ty")
            .bind(id)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(row.get::<String, _>("ty"), "text");
        assert_eq!(row.get::<String, _>("id"), Uuid::from(id).to_string());
        assert_eq!(row.get::<KeyId, _>("id"), id);
        let bad = sqlx::query("SELECT 'nope' AS id")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert!(bad.try_get::<RotationId, _>("id").is_err());
    }
}
