//! Structured values kept as JSON text in one column (a lesson's table of
//! contents, tags, prerequisites). The column stays portable text on SQLite
//! and PostgreSQL; Rust code sees only the typed value, encoded and decoded
//! here and nowhere else. Text that does not decode is an error naming the
//! column's type, never a silently empty list.

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonText<T>(pub T);

impl<T: Serialize> From<JsonText<T>> for Value {
    fn from(value: JsonText<T>) -> Value {
        // Lists of plain structs and strings always serialise.
        Value::String(Some(serde_json::to_string(&value.0).unwrap_or_default()))
    }
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text)
        .map_err(|e| format!("a stored {} is not valid ({e})", std::any::type_name::<T>()))
}

impl<T: DeserializeOwned> TryGetable for JsonText<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, idx)?;
        decode(&text)
            .map(JsonText)
            .map_err(|e| TryGetError::DbErr(DbErr::Type(e)))
    }
}

impl<T: DeserializeOwned> ValueType for JsonText<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(v)?;
        decode(&text).map(JsonText).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        "JsonText".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl<T> Nullable for JsonText<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T> IntoActiveValue<JsonText<T>> for JsonText<T>
where
    JsonText<T>: Into<Value>,
{
    fn into_active_value(self) -> sea_orm::ActiveValue<JsonText<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_bad_text_is_an_error() {
        let value: Value = JsonText(vec!["a".to_string(), "b".to_string()]).into();
        let back = <JsonText<Vec<String>> as ValueType>::try_from(value).unwrap();
        assert_eq!(back.0, ["a", "b"]);
        let bad = Value::String(Some("[1,".into()));
        assert!(<JsonText<Vec<String>> as ValueType>::try_from(bad).is_err());
        assert!(decode::<Vec<String>>("{")
            .unwrap_err()
            .contains("not valid"));
    }
}
